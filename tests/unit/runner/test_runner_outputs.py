"""pgolf.runner.outputs: the host side never follows what a run planted in its output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgolf.runner import attempt, outputs, proc
from pgolf.runner.clock import FakeClock
from pgolf.runner.model import Attempt


@pytest.fixture
def root(tmp_path: Path) -> Path:
    out = tmp_path / "seed" / "out" / "artifacts"
    out.mkdir(parents=True)
    (out / "model.ptz").write_bytes(b"m" * 10)
    (out / "sub").mkdir()
    (out / "sub" / "deep.ptz").write_bytes(b"d")
    secret = tmp_path / "secret"
    secret.write_text("root:x")
    (out / "linked.ptz").symlink_to(secret)
    (out / "dirlink").symlink_to(tmp_path)
    os.mkfifo(out / "fifo.ptz")
    return tmp_path / "seed"


def test_walk_lists_links_and_fifos_without_following_them(root: Path) -> None:
    listing = outputs.walk(root, "out/artifacts")
    kinds = {e.rel: e.kind for e in listing.entries}
    assert kinds == {
        "model.ptz": "file",
        "sub": "dir",
        "sub/deep.ptz": "file",
        "linked.ptz": "symlink",
        "dirlink": "symlink",
        "fifo.ptz": "fifo",
    }
    assert next(e for e in listing.entries if e.rel == "linked.ptz").target == str(root.parent / "secret")
    assert not listing.truncated and listing.refused is None


def test_open_refuses_links_fifos_and_linked_folders(root: Path) -> None:
    assert outputs.read_capped(root, "out/artifacts/model.ptz", 4) == (b"mmmm", 10)
    for rel in ("out/artifacts/linked.ptz", "out/artifacts/fifo.ptz", "out/artifacts/dirlink/secret"):
        with pytest.raises(outputs.Refused):
            outputs.read_capped(root, rel, 100)
    (root / "out" / "artifacts").rename(root / "out" / "real")
    (root / "out" / "artifacts").symlink_to(root / "out" / "real")  # the folder itself replaced by a link
    assert outputs.walk(root, "out/artifacts").refused == "a symlink or not a folder: not followed"
    with pytest.raises(outputs.Refused):
        outputs.sha256(root, "out/artifacts/model.ptz", 100)


def test_sha256_skips_files_over_the_limit_but_keeps_their_size(root: Path) -> None:
    digest, size = outputs.sha256(root, "out/artifacts/model.ptz", 100)
    assert size == 10 and digest is not None and len(digest) == 64
    assert outputs.sha256(root, "out/artifacts/model.ptz", 5) == (None, 10)


def test_walk_stops_at_its_caps(root: Path) -> None:
    assert outputs.walk(root, "out/artifacts", max_entries=2).truncated
    shallow = outputs.walk(root, "out/artifacts", descend=False)
    assert "sub/deep.ptz" not in {e.rel for e in shallow.entries} and not shallow.truncated


@pytest.mark.parametrize(
    ("rel", "pattern", "expected"),
    [
        ("final_model.int8.ptz", "*.ptz", True),
        ("sub/final_model.ptz", "*.ptz", False),  # Path.glob: "*" is one level
        ("sub/final_model.ptz", "**/*.ptz", True),
        ("final_model.ptz", "**/*.ptz", True),
        ("a/b/c.bin", "a/**/c.bin", True),
        ("model.pt", "*.ptz", False),
    ],
)
def test_matches_has_path_glob_semantics(rel: str, pattern: str, expected: bool) -> None:
    assert outputs.matches(rel, pattern) is expected


# ------------------------------------------------------------------ attempt footprints


def _footprint(**kw: object) -> Attempt:
    return Attempt.model_validate({"pgolf_pid": 1234, "started": FakeClock().utc_now(), **kw})


def test_a_footprint_aimed_at_us_or_the_host_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reaped: list[proc.Leftovers] = []

    def reap_leftovers(leftovers: proc.Leftovers, passes: int = 20) -> list[proc.ProcessInfo]:
        reaped.append(leftovers)
        return []

    monkeypatch.setattr(proc, "reap_leftovers", reap_leftovers)
    for hostile in (
        _footprint(sid=os.getsid(0), warden_pid=999_999),
        _footprint(pidns=proc.pidns_of(os.getpid()), warden_pid=999_999),
        _footprint(warden_pid=1),
    ):
        attempt.record(tmp_path, hostile)
        assert attempt.reap(tmp_path) == [
            f"{attempt.ATTEMPT_FILE} of the interrupted attempt names our own session or namespace: ignored"
        ]
    assert reaped == []
    attempt.record(tmp_path, _footprint(warden_pid=999_999, sid=999_999, token="t"))
    assert attempt.reap(tmp_path) == [] and reaped[0].sid == 999_999 and reaped[0].token == "t"
    attempt.clear(tmp_path)
    assert attempt.reap(tmp_path) == []


def test_reap_leftovers_kills_nothing_that_does_not_match(monkeypatch: pytest.MonkeyPatch) -> None:
    killed: list[int] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append(pid))
    found = proc.reap_leftovers(proc.Leftovers(warden_pid=999_999, warden_start_ticks=1, sid=999_999, token="absent"))
    assert found == [] and killed == []
