"""Pinned downloads through the HubClient seam, with a fake hub that serves a synthetic dataset."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from pgolf.cli import main
from pgolf.data import fetch as fetch_mod
from pgolf.data.fetch import (
    FetchResult,
    HfHubClient,
    IntegrityError,
    RemoteFile,
    fetch_variant,
    pin_variant,
    select_files,
)
from pgolf.data.lock import UNRESOLVED, DataLock, VariantLock, load_lock, write_lock
from pgolf.data.synth import SynthDataset
from pgolf.data.verify import VariantExpectation, verify_dataset
from pgolf.errors import EXIT_VIOLATIONS, EnvironmentMissing, InputError, UsageError
from pgolf.ruleset import load_ruleset

SHA = "c0ffee" + "0" * 34
REPO = "example/parameter-golf"


class FakeHub:
    """A dataset repo at one commit: files are served from memory; every call is recorded."""

    def __init__(self, files: dict[str, bytes], *, in_git: tuple[str, ...] = ("datasets/manifest.json",)) -> None:
        self.files = files
        self.in_git = in_git  # files without an LFS sha256 in the listing
        self.corrupt: set[str] = set()
        self.calls: list[tuple[str, ...]] = []

    def resolve_revision(self, repo_id: str, revision: str) -> str:
        self.calls.append(("resolve", repo_id, revision))
        return SHA

    def list_files(self, repo_id: str, revision: str, prefix: str) -> list[RemoteFile]:
        self.calls.append(("list", repo_id, revision, prefix))
        return [
            RemoteFile(
                path=path,
                size=len(data),
                sha256=None if path in self.in_git else hashlib.sha256(data).hexdigest(),
            )
            for path, data in self.files.items()
            if path.startswith(prefix)
        ]

    def download(self, repo_id: str, path: str, revision: str, local_dir: Path) -> Path:
        self.calls.append(("download", repo_id, path, revision))
        target = local_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = self.files[path]
        target.write_bytes(data[:-1] + b"X" if path in self.corrupt else data)
        return target

    def snapshot(self, repo_id: str, revision: str, paths: list[str], local_dir: Path, max_workers: int) -> None:
        self.calls.append(("snapshot", repo_id, revision, str(max_workers)))
        for path in paths:  # exact repo paths, as allow_patterns
            self.download(repo_id, path, revision, local_dir)

    def downloads(self) -> list[str]:
        return [c[2] for c in self.calls if c[0] == "download"]


def _source(ds: SynthDataset) -> VariantLock:
    return VariantLock(
        repo_id=REPO,
        remote_root="datasets",
        dataset_dir=ds.dataset_name,
        tokenizer_file=f"tokenizers/{ds.tokenizer_path.name}",
        default_train_shards=3,
        shard_tokens=ds.tokens_per_train_shard,
        byte_sidecar=ds.byte_sidecar,
    )


def _repo_files(ds: SynthDataset) -> dict[str, bytes]:
    """The synthetic dataset as the Hub repo would hold it, under `datasets/`."""
    return {f"datasets/{p.relative_to(ds.root)}": p.read_bytes() for p in sorted(ds.root.rglob("*")) if p.is_file()}


@pytest.fixture
def hub(synth_small: SynthDataset) -> FakeHub:
    return FakeHub(_repo_files(synth_small))


@pytest.fixture
def lock_path(tmp_path: Path, synth_small: SynthDataset) -> Path:
    path = tmp_path / "data.lock.json"
    write_lock(DataLock(variants={"synth": _source(synth_small), "other": _source(synth_small)}), path)
    return path


@pytest.fixture
def pinned(lock_path: Path, hub: FakeHub) -> DataLock:
    pin_variant("synth", lock_path=lock_path, client=hub, progress=lambda _m: None)
    hub.calls.clear()
    return load_lock(lock_path)


def _fetch(lock: DataLock, hub: FakeHub, cache: Path, **kwargs: object) -> tuple[FetchResult, list[str]]:
    lines: list[str] = []
    result = fetch_variant("synth", lock=lock, client=hub, cache_dir=cache, progress=lines.append, **kwargs)  # type: ignore[arg-type]
    return result, lines


def test_pin_records_revision_and_every_files_hash(lock_path: Path, hub: FakeHub, synth_small: SynthDataset) -> None:
    messages: list[str] = []
    pinned = pin_variant("synth", revision="main", lock_path=lock_path, client=hub, progress=messages.append)
    assert pinned.revision == SHA and pinned.pinned and pinned.resolved_at
    expected = {path: (len(data), hashlib.sha256(data).hexdigest()) for path, data in hub.files.items()}
    assert {f.path: (f.size, f.sha256) for f in pinned.files} == expected
    kinds = {f.path.rsplit("/", 1)[-1]: f.kind for f in pinned.files}
    assert kinds == {
        "manifest.json": "manifest",
        "fineweb_320_bpe.model": "tokenizer",
        "fineweb_train_000000.bin": "train",
        "fineweb_train_000001.bin": "train",
        "fineweb_train_000002.bin": "train",
        "fineweb_val_000000.bin": "val",
    }
    # the manifest has no LFS hash: it was downloaded at the resolved commit and hashed
    assert ("download", REPO, "datasets/manifest.json", SHA) in hub.calls
    assert ("list", REPO, SHA, "datasets") in hub.calls
    assert load_lock(lock_path).variants["synth"] == pinned
    assert load_lock(lock_path).variants["other"].revision == UNRESOLVED, "other variants untouched"
    assert any(SHA in m for m in messages)


def test_pin_writes_the_lock_atomically(lock_path: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    before = lock_path.read_bytes()

    def broken_replace(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        pin_variant("synth", lock_path=lock_path, client=hub, progress=lambda _m: None)
    assert lock_path.read_bytes() == before, "a failed write leaves the old lock intact"
    assert sorted(p.name for p in lock_path.parent.iterdir()) == ["data.lock.json"], "no temp file left"
    monkeypatch.undo()
    pin_variant("synth", lock_path=lock_path, client=hub, progress=lambda _m: None)
    assert sorted(p.name for p in lock_path.parent.iterdir()) == ["data.lock.json"]
    assert json.loads(lock_path.read_text(encoding="utf-8"))["variants"]["synth"]["revision"] == SHA


def test_pin_refuses_a_repo_without_the_expected_layout(lock_path: Path, hub: FakeHub) -> None:
    before = lock_path.read_bytes()
    hub.files = {p: d for p, d in hub.files.items() if "fineweb_val_" not in p}
    with pytest.raises(InputError, match="has no val file"):
        pin_variant("synth", lock_path=lock_path, client=hub, progress=lambda _m: None)
    assert lock_path.read_bytes() == before


def test_without_trust_on_first_use_fetch_needs_a_pinned_revision(
    lock_path: Path, hub: FakeHub, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match=r"no pinned revision .* `pgolf data pin synth`"):
        _fetch(load_lock(lock_path), hub, tmp_path / "cache", tofu=False)
    assert hub.calls == []


def test_an_unpinned_variant_is_trusted_on_first_use_and_recorded(
    lock_path: Path, hub: FakeHub, tmp_path: Path
) -> None:
    committed = lock_path.read_bytes()
    result, lines = _fetch(load_lock(lock_path), hub, tmp_path / "cache")
    assert result.pin == "resolved now" and result.revision == SHA and len(result.downloaded) == 6
    assert any(line.startswith("warning: synth is not pinned") and "trusting" in line for line in lines)
    assert result.warnings and SHA in result.warnings[0]
    user = load_lock(tmp_path / "cache" / "user-lock.json").variants["synth"]
    assert user.revision == SHA and {f.path for f in user.files} == set(hub.files)
    assert lock_path.read_bytes() == committed, "the committed lock is never written by a fetch"
    hub.calls.clear()
    again, _ = _fetch(load_lock(lock_path), hub, tmp_path / "cache")
    assert again.pin == "user lock" and hub.calls == [], "the recorded pin is reused; nothing is resolved again"
    hub.files["datasets/manifest.json"] += b" "  # the repo moved on: the recorded hashes still hold
    (again.root / "datasets" / "manifest.json").unlink()
    with pytest.raises(IntegrityError, match=r"manifest\.json: size"):
        _fetch(load_lock(lock_path), hub, tmp_path / "cache")


def test_committed_variants_are_unresolved_until_pinned() -> None:
    with pytest.raises(UsageError, match="pgolf data pin sp1024"):
        select_files(load_lock().variant("sp1024"), "sp1024", None)


def test_fetch_downloads_the_pinned_revision_and_verifies(
    pinned: DataLock, hub: FakeHub, tmp_path: Path, synth_small: SynthDataset
) -> None:
    result, lines = _fetch(pinned, hub, tmp_path / "cache")
    downloads = [c for c in hub.calls if c[0] == "download"]
    assert len(downloads) == 6 and {c[3] for c in downloads} == {SHA}, "every download names the pinned commit"
    assert [c for c in hub.calls if c[0] == "snapshot"] == [("snapshot", REPO, SHA, "8")], "one parallel snapshot"
    assert result.root == tmp_path / "cache" / "synth" / SHA
    assert result.dataset_dir == result.root / "datasets" / "datasets" / synth_small.dataset_name
    assert result.tokenizer_path == result.root / "datasets" / "tokenizers" / synth_small.tokenizer_path.name
    assert (result.train_shards, len(result.downloaded), result.skipped) == (3, 6, [])
    assert result.bytes_downloaded == sum(len(d) for d in hub.files.values())
    assert lines[0].startswith("synth: downloading 6 file(s)") and "downloaded and verified" in lines[-1]
    expected = VariantExpectation.from_manifest(result.root / "datasets" / "manifest.json")
    assert verify_dataset(result.dataset_dir, result.tokenizer_path, expected=expected).ok


def test_fetch_rejects_a_sha_mismatch(pinned: DataLock, hub: FakeHub, tmp_path: Path) -> None:
    bad = "datasets/datasets/fineweb10B_synth320/fineweb_train_000001.bin"
    hub.corrupt.add(bad)
    with pytest.raises(IntegrityError, match=r"fineweb_train_000001\.bin: sha256 [0-9a-f]{64} != [0-9a-f]{64}"):
        _fetch(pinned, hub, tmp_path / "cache")
    assert IntegrityError.exit_code == EXIT_VIOLATIONS
    assert not (tmp_path / "cache" / "synth" / SHA / bad).exists(), "the corrupt copy is deleted"


def test_fetch_rejects_a_size_mismatch(pinned: DataLock, hub: FakeHub, tmp_path: Path) -> None:
    path = "datasets/manifest.json"
    hub.files[path] += b"\n"
    with pytest.raises(IntegrityError, match=r"manifest\.json: size"):
        _fetch(pinned, hub, tmp_path / "cache")


def test_resume_skips_verified_files(pinned: DataLock, hub: FakeHub, tmp_path: Path) -> None:
    _fetch(pinned, hub, tmp_path / "cache")
    hub.calls.clear()
    result, lines = _fetch(pinned, hub, tmp_path / "cache")
    assert hub.downloads() == [] and result.downloaded == [] and len(result.skipped) == 6
    assert lines == ["synth: all 6 file(s) already verified"]


def test_resume_after_an_interrupted_run_rehashes_instead_of_downloading(
    pinned: DataLock, hub: FakeHub, tmp_path: Path
) -> None:
    first, _ = _fetch(pinned, hub, tmp_path / "cache")
    (first.root / ".pgolf-verified.json").unlink()  # killed before the record was written
    hub.calls.clear()
    again, _ = _fetch(pinned, hub, tmp_path / "cache")
    assert hub.downloads() == [] and len(again.skipped) == 6


def test_a_changed_local_file_is_downloaded_again(pinned: DataLock, hub: FakeHub, tmp_path: Path) -> None:
    first, _ = _fetch(pinned, hub, tmp_path / "cache")
    val = first.dataset_dir / "fineweb_val_000000.bin"
    val.write_bytes(b"tampered")
    hub.calls.clear()
    again, _ = _fetch(pinned, hub, tmp_path / "cache")
    assert hub.downloads() == ["datasets/datasets/fineweb10B_synth320/fineweb_val_000000.bin"]
    assert again.downloaded == hub.downloads()
    assert val.read_bytes() == hub.files["datasets/datasets/fineweb10B_synth320/fineweb_val_000000.bin"]


def test_train_shard_subset(pinned: DataLock, hub: FakeHub, tmp_path: Path) -> None:
    result, _ = _fetch(pinned, hub, tmp_path / "cache", train_shards=1)
    assert result.train_shards == 1
    assert [p for p in hub.downloads() if "train" in p] == [
        "datasets/datasets/fineweb10B_synth320/fineweb_train_000000.bin"
    ]
    with pytest.raises(UsageError, match=r"--train-shards 4 outside 0\.\.3"):
        _fetch(pinned, hub, tmp_path / "cache", train_shards=4)


def test_default_cache_dir_honours_pgolf_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PGOLF_CACHE", str(tmp_path / "c"))
    assert fetch_mod.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PGOLF_CACHE")
    assert fetch_mod.default_cache_dir() == Path.home() / ".cache" / "pgolf" / "data"


# --------------------------------------------------------------------------- the real seam, offline


def _named_error(name: str, module: str = "huggingface_hub.errors") -> Exception:
    cls: type[Exception] = type(name, (Exception,), {"__module__": module})
    return cls("boom")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_named_error("RepositoryNotFoundError"), InputError),
        (_named_error("RevisionNotFoundError"), InputError),
        (_named_error("ConnectError", "httpx"), EnvironmentMissing),
        (_named_error("HfHubHTTPError"), EnvironmentMissing),
        (ConnectionError("refused"), EnvironmentMissing),
    ],
)
def test_hub_errors_map_to_exit_codes(exc: Exception, kind: type[Exception]) -> None:
    error = fetch_mod._hub_error(exc, "repo@rev")
    assert type(error) is kind
    assert str(error).startswith("repo@rev: ")


def test_local_entry_not_found_means_offline() -> None:
    base = type("EntryNotFoundError", (Exception,), {})
    local = type("LocalEntryNotFoundError", (base,), {"__module__": "huggingface_hub.errors"})
    assert isinstance(fetch_mod._hub_error(local("offline"), "x"), EnvironmentMissing)


def test_missing_huggingface_hub_is_an_environment_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(EnvironmentMissing, match=r"pgolf\[runner\]"):
        HfHubClient()


class _FakeApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []

    def dataset_info(self, repo_id: str, **kwargs: object) -> SimpleNamespace:
        self.calls.append(("dataset_info", {"repo_id": repo_id, **kwargs}))
        return SimpleNamespace(sha=SHA)

    def list_repo_tree(self, repo_id: str, **kwargs: object) -> Iterator[SimpleNamespace]:
        self.calls.append(("list_repo_tree", {"repo_id": repo_id, **kwargs}))
        yield SimpleNamespace(path="datasets/datasets")  # a folder: no size
        yield SimpleNamespace(path="datasets/manifest.json", size=10, lfs=None)
        yield SimpleNamespace(path="datasets/a.bin", size=20, lfs=SimpleNamespace(sha256="e" * 64))


def test_hf_client_passes_revision_and_repo_type(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    client = HfHubClient()
    api = _FakeApi()
    downloads: list[dict[str, object]] = []

    def fake_download(repo_id: str, filename: str, **kwargs: object) -> str:
        downloads.append({"repo_id": repo_id, "filename": filename, **kwargs})
        return str(tmp_path / filename)

    monkeypatch.setattr(client, "_api", api)
    monkeypatch.setattr(client, "_hub", SimpleNamespace(hf_hub_download=fake_download))
    assert client.resolve_revision(REPO, "main") == SHA
    assert client.list_files(REPO, SHA, "datasets") == [
        RemoteFile(path="datasets/manifest.json", size=10, sha256=None),
        RemoteFile(path="datasets/a.bin", size=20, sha256="e" * 64),
    ]
    assert client.download(REPO, "datasets/a.bin", SHA, tmp_path) == tmp_path / "datasets/a.bin"
    assert api.calls[0] == ("dataset_info", {"repo_id": REPO, "revision": "main"})
    assert api.calls[1][1] == {
        "repo_id": REPO, "path_in_repo": "datasets", "recursive": True, "revision": SHA, "repo_type": "dataset",
    }  # fmt: skip
    assert downloads == [
        {
            "repo_id": REPO,
            "filename": "datasets/a.bin",
            "repo_type": "dataset",
            "revision": SHA,
            "local_dir": str(tmp_path),
        }
    ]


def test_hf_client_turns_network_failures_into_environment_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    client = HfHubClient()

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise _named_error("ConnectError", "httpx")

    monkeypatch.setattr(client, "_api", SimpleNamespace(dataset_info=unreachable, list_repo_tree=unreachable))
    with pytest.raises(EnvironmentMissing, match="cannot reach the Hugging Face Hub"):
        client.resolve_revision(REPO, "main")
    with pytest.raises(EnvironmentMissing):
        client.list_files(REPO, SHA, "datasets")


def test_hf_client_lets_programming_errors_through(monkeypatch: pytest.MonkeyPatch) -> None:
    client = HfHubClient()

    def buggy(*_args: object, **_kwargs: object) -> None:
        raise TypeError("a bug, not the network")

    monkeypatch.setattr(client, "_api", SimpleNamespace(dataset_info=buggy))
    with pytest.raises(TypeError):
        client.resolve_revision(REPO, "main")


def test_committed_lock_matches_the_ruleset() -> None:
    """Every locked variant is a ruleset variant with the same directory, pinned or plainly unresolved."""
    variants = load_ruleset().data.variants
    lock = load_lock()
    assert set(lock.variants) <= set(variants)
    for name, source in lock.variants.items():
        assert source.dataset_dir == variants[name].dir
        assert source.tokenizer_file.endswith(".model")
        assert source.pinned or (source.revision == UNRESOLVED and source.files == ())


# --------------------------------------------------------------------------- through the CLI


def test_cli_pin_then_fetch_then_verify(
    lock_path: Path, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fetch_mod, "HfHubClient", lambda: hub)
    assert main(["data", "pin", "synth", "--lock", str(lock_path)]) == 0
    assert capsys.readouterr().out == f"synth {REPO}@{SHA} (6 files)\n"
    args = ["data", "fetch", "synth", "--lock", str(lock_path), "--cache", str(tmp_path / "cache")]
    assert main(args) == 0
    out, err = capsys.readouterr()
    root = tmp_path / "cache" / "synth" / SHA / "datasets"
    assert out.splitlines() == [
        f"DATA_PATH={root / 'datasets' / 'fineweb10B_synth320'}",
        f"TOKENIZER_PATH={root / 'tokenizers' / 'fineweb_320_bpe.model'}",
    ]
    assert "synth: 6 downloaded" in err and ", 0 failed;" in err
    assert main([*args, "--train-shards", "1"]) == 0, "a smaller fetch into the same cache still verifies"
    assert "0 downloaded" in capsys.readouterr().err


def test_cli_fetch_hash_mismatch_exits_one(
    pinned: DataLock,
    lock_path: Path,
    hub: FakeHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(fetch_mod, "HfHubClient", lambda: hub)
    hub.corrupt.add("datasets/datasets/fineweb10B_synth320/fineweb_val_000000.bin")
    code = main(["data", "fetch", "synth", "--lock", str(lock_path), "--cache", str(tmp_path / "cache")])
    assert code == 1
    assert "fineweb_val_000000.bin: sha256" in capsys.readouterr().err


def test_cli_fetch_unreachable_hub_exits_three(
    pinned: DataLock,
    lock_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Offline(FakeHub):
        def download(self, repo_id: str, path: str, revision: str, local_dir: Path) -> Path:
            raise fetch_mod._hub_error(_named_error("ConnectError", "httpx"), f"{repo_id}@{revision}:{path}")

    monkeypatch.setattr(fetch_mod, "HfHubClient", lambda: Offline({}))
    code = main(["data", "fetch", "synth", "--lock", str(lock_path), "--cache", str(tmp_path / "cache")])
    assert code == 3
    assert "cannot reach the Hugging Face Hub" in capsys.readouterr().err
