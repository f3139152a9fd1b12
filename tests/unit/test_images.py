"""The image selection rule (ENVIRONMENT.md §1.7), the image lock, the Dockerfiles and the preflight."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from checks.fixture_kit import standard_files
from pgolf.errors import UsageError
from pgolf.images import (
    UNRESOLVED,
    ImagePins,
    Source,
    TorchEvidence,
    build_args,
    choose_image,
    load_catalogue,
    parse_version,
    read_lock,
    record_image_id,
    select_image,
    write_lock,
)

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
CORPUS = ROOT.parent / "shared" / "corpus" / "main" / "track_10min_16mb"
SHA = "a" * 64


def ev(source: Source, version: str, path: str = "x") -> TorchEvidence:
    return TorchEvidence(source=source, version=version, path=path)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2.9.1+cu128", (2, 9, 1, "cu128")),
        ("2.9+", (2, 9, None, None)),
        ("2.10", (2, 10, None, None)),
        ("v2.11.0+cu130", (2, 11, 0, "cu130")),
        ("latest", None),
    ],
)
def test_parse_version(text: str, parsed: tuple[int, int, int | None, str | None] | None) -> None:
    assert parse_version(text) == parsed


@pytest.mark.parametrize(
    ("version", "image", "exact"),
    [
        ("2.9.1+cu128", "cu128-t291", True),
        ("2.9.1", "cu128-t291", True),
        ("2.9+", "cu128-t291", False),  # "2.9+" in 5 submission.json files
        ("2.9.0", "cu128-t291", False),
        ("2.11.0+cu128", "cu128-t2110", True),  # the #1868 rerun
        ("2.11.0+cu130", "cu130-t2110", True),  # Kevin Clark's records, #1992
        ("2.11.0", "cu128-t2110", True),  # no CUDA tag: the image needing the older driver
        ("2.10.0+cu128", "cu128-t291", False),  # no 2.10 image: the default, flagged as a mismatch
        ("2.4.1+cu124", "cu128-t291", False),
    ],
)
def test_selection_by_version(version: str, image: str, exact: bool) -> None:
    choice = select_image([ev(Source.SUBMISSION_JSON, version)])
    assert (choice.image, choice.exact) == (image, exact)
    assert version in choice.reason


def test_source_priority_log_over_json_over_requirements_over_readme() -> None:
    evidence = [
        ev(Source.README, "2.9.1"),
        ev(Source.REQUIREMENTS, "2.9.1+cu128"),
        ev(Source.SUBMISSION_JSON, "2.9+"),
        ev(Source.LOG, "2.11.0+cu128", "train_seed42.log"),
    ]
    choice = select_image(evidence)
    assert choice.image == "cu128-t2110" and choice.evidence == evidence[-1]
    assert select_image(evidence[:3]).evidence == evidence[2]
    assert select_image(evidence[:2]).evidence == evidence[1]
    assert select_image(evidence[:1]).evidence == evidence[0]


def test_majority_within_the_best_source_and_the_others_are_named() -> None:
    logs = [ev(Source.LOG, "2.10.0+cu128", "a"), ev(Source.LOG, "2.9.1+cu128", "b"), ev(Source.LOG, "2.9.1+cu128", "c")]
    choice = select_image(logs)
    assert choice.image == "cu128-t291" and "also seen there: 2.10.0+cu128" in choice.reason


def test_no_evidence_gives_the_default_with_the_reason() -> None:
    choice = select_image([ev(Source.README, "no version here")])
    assert choice.image == load_catalogue().default and not choice.exact
    assert "no torch version stated" in choice.reason


def test_folder_evidence_from_fixture_logs(tmp_path: Path) -> None:
    for rel, content in standard_files().items():
        (tmp_path / rel).write_text(str(content), encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("torch==2.11.0+cu130\n", encoding="utf-8")
    choice = choose_image(tmp_path)
    # fixture logs say `Running PyTorch 2.9.1+cu128` and outrank the requirements pin
    assert choice.image == "cu128-t291" and choice.evidence is not None
    assert choice.evidence.source is Source.LOG and choice.evidence.line is not None
    assert choose_image(tmp_path, override="cu130-t2110").image == "cu130-t2110"
    with pytest.raises(UsageError, match="unknown image"):
        choose_image(tmp_path, override="nope")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (a fresh clone has no shared/)")
@pytest.mark.parametrize(
    ("folder", "image", "source"),
    [  # ENVIRONMENT.md Appendix A: torch (source) per main record
        ("2026-04-29_SmearGateBOSFix_3Seed_1.06141", "cu128-t2110", Source.LOG),
        ("2026-04-01_Vocab4096_MLPMult4_WD085", "cu130-t2110", Source.LOG),
        ("2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611", "cu128-t291", Source.SUBMISSION_JSON),
        ("2026-03-19_WarmdownQuantization", "cu128-t291", Source.LOG),  # 2.6.0+cu124: default, mismatch
    ],
)
def test_corpus_folders(folder: str, image: str, source: Source) -> None:
    choice = choose_image(CORPUS / folder)
    assert choice.image == image and choice.evidence is not None and choice.evidence.source is source


# --- the lock -------------------------------------------------------------------------------------


def test_shipped_lock_covers_the_catalogue_and_is_unresolved() -> None:
    lock = read_lock()
    assert set(lock) == set(load_catalogue().images)
    for name, pins in lock.items():
        # No digest or hash was resolvable offline: each must stay a placeholder the build refuses.
        assert "base_digest" in pins.unresolved() and "fa3_sha256" in pins.unresolved(), name
        with pytest.raises(UsageError, match="make pin-images"):
            build_args(name)


def test_build_args_from_resolved_pins(tmp_path: Path) -> None:
    lock = tmp_path / "images.lock"
    good = ImagePins(base_digest=f"sha256:{SHA}", fa3_url="https://example.invalid/fa3.whl", fa3_sha256=SHA)
    write_lock({"cu128-t291": good, "cu130-t2110": good.model_copy(update={"fa3_sha256": UNRESOLVED})}, lock)
    args = build_args("cu128-t291", lock)
    pairs = dict(a.split("=", 1) for a in args[1::2])
    assert args[::2] == ["--build-arg"] * len(pairs)
    assert pairs["BASE_IMAGE"] == f"nvidia/cuda:12.8.1-devel-ubuntu24.04@sha256:{SHA}"
    assert pairs["TORCH_VERSION"] == "2.9.1+cu128" and pairs["FA3_WHEEL_SHA256"] == SHA
    with pytest.raises(UsageError, match="fa3_sha256"):
        build_args("cu130-t2110", lock)
    with pytest.raises(UsageError, match="no entry"):
        build_args("cu128-t2110", lock)
    record_image_id("cu128-t291", f"sha256:{'b' * 64}", lock)
    assert read_lock(lock)["cu128-t291"].image_id == f"sha256:{'b' * 64}"
    with pytest.raises(UsageError, match="not an image id"):
        record_image_id("cu128-t291", "latest", lock)


# --- Dockerfiles ------------------------------------------------------------------------------------


def _arg_defaults(text: str) -> dict[str, str]:
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.MULTILINE))


def test_dockerfiles_match_the_catalogue_and_differ_only_in_identity() -> None:
    bodies = set()
    for spec in load_catalogue().images.values():
        text = (ROOT / spec.dockerfile).read_text("utf-8")
        args = _arg_defaults(text)
        assert args["TORCH_VERSION"] == spec.torch and args["TORCH_INDEX_URL"] == spec.torch_index
        assert args["FA3_WHEEL_SHA256"] == UNRESOLVED  # the default is refused by the RUN step below
        bodies.add(re.sub(r"^ARG TORCH_(VERSION|INDEX_URL)=.*$", "", text, flags=re.MULTILINE))
    assert len(bodies) == 1  # one recipe; a fix to one variant must reach all of them


def test_hashed_requirements_pin_python_minifier() -> None:
    text = (DOCKER / "requirements-hashed.txt").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert all(re.fullmatch(r"[\w.-]+==[\w.]+ --hash=sha256:[0-9a-f]{64}", ln) for ln in lines)
    assert any(ln.startswith("python-minifier==") for ln in lines)


@pytest.mark.integration
def test_dockerfile_refuses_a_placeholder_fa3_hash(tmp_path: Path) -> None:
    import subprocess

    text = (DOCKER / "Dockerfile.cu128-t291").read_text("utf-8")
    block = re.search(r"RUN set -eu; \\\n(.*?fi;) \\\n", text, re.DOTALL)
    assert block is not None
    script = block.group(1).replace("\\\n", "\n")
    for value, code in ((UNRESOLVED, 1), ("abc", 1), (SHA, 0)):
        env = {"FA3_WHEEL_SHA256": value}
        done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == code, (value, done.stderr)


# --- preflight (docker/preflight.py, stdlib + torch) ------------------------------------------------


@pytest.fixture(scope="module")
def preflight() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pgolf_preflight", DOCKER / "preflight.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pgolf_preflight"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def _tools(missing: Sequence[str] = ()) -> object:
    def runner(argv: Sequence[str]) -> tuple[int, str]:
        return (127, f"{argv[0]}: not found on PATH") if argv[0] in missing else (0, f"{argv[0]} 1.0")

    return runner


def test_preflight_fails_fast_with_one_reason(preflight: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.delitem(sys.modules, "flash_attn_interface", raising=False)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "shim" not in p])
    args: argparse.Namespace = preflight.parse_args(["--gpus", "0"])
    result = preflight.run_checks(args, _tools(missing=["lrzip"]))
    by_name = {c["name"]: c for c in result["checks"]}
    assert not result["ok"]
    assert not by_name["lrzip"]["ok"] and by_name["pyminify"]["ok"] and by_name["gcc"]["ok"]
    assert not by_name["flash_attn_interface"]["ok"]  # no FA3 on this CPU machine
    assert by_name["gpus"]["ok"]  # 0 expected, CUDA absent
    assert "lrzip" in result["reason"] and "\n" not in result["reason"]
    json.dumps(result)


def test_preflight_labels_the_shim_non_official(preflight: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    fake = ModuleType("flash_attn_interface")
    fake.PGOLF_SHIM = True  # type: ignore[attr-defined]
    fake.flash_attn_func = lambda *a: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flash_attn_interface", fake)
    refused = preflight.run_checks(preflight.parse_args(["--gpus", "0"]), _tools())
    allowed = preflight.run_checks(preflight.parse_args(["--gpus", "0", "--allow-shim"]), _tools())
    assert "not allowed" in refused["reason"]
    fa3 = {c["name"]: c for c in allowed["checks"]}["flash_attn_interface"]
    assert fa3["ok"] and allowed["official"] is False
    wrong_gpus = preflight.run_checks(preflight.parse_args(["--gpus", "8", "--allow-shim"]), _tools())
    assert not wrong_gpus["ok"] and "gpus" in wrong_gpus["reason"]


def test_lock_file_is_valid_toml() -> None:
    assert tomllib.loads((DOCKER / "images.lock").read_text("utf-8"))


def test_make_image_uses_the_committed_pin_else_one_trusted_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess as sp

    from pgolf import images

    monkeypatch.setenv("PGOLF_CACHE", str(tmp_path / "cache"))
    resolved = images.ImagePins(
        base_digest="sha256:" + "a" * 64, fa3_url="https://x.example/fa3.whl", fa3_sha256="b" * 64, resolved_at="now"
    )
    committed = tmp_path / "images.lock"
    images.write_lock({"cu128-t291": resolved}, committed)
    assert images.lock_for_build("cu128-t291", committed) == committed
    images.write_lock({"cu128-t291": images.ImagePins()}, committed)  # unresolved, as shipped
    ran: list[list[str]] = []

    def pin_script(argv: list[str], check: bool) -> sp.CompletedProcess[bytes]:
        ran.append(argv)
        images.write_lock({"cu128-t291": resolved}, Path(argv[argv.index("--lock") + 1]))
        return sp.CompletedProcess(argv, 0)

    monkeypatch.setattr(sp, "run", pin_script)
    user = images.lock_for_build("cu128-t291", committed)
    assert user == images.build_lock_path() and ran and ran[0][-1] == "cu128-t291"
    assert "trusted on first use" in capsys.readouterr().err
    ran.clear()
    assert images.lock_for_build("cu128-t291", committed) == user and not ran  # reused, not resolved again
    assert "--build-arg" in images.build_args("cu128-t291", user)
