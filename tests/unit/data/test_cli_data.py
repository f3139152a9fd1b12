"""`pgolf data ...`: exit codes 0 / 1 / 2 / 3 and what goes to stdout versus stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.data.shards import write_shard
from pgolf.data.synth import SynthDataset


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["data", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_synth_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "synth", str(tmp_path / "d"), "--vocab-size", "320", "--tokens-per-shard", "4096")
    assert code == 0
    data_path = tmp_path / "d" / "datasets" / "fineweb10B_synth320"
    assert out.splitlines() == [
        f"DATA_PATH={data_path}",
        f"TOKENIZER_PATH={tmp_path / 'd' / 'tokenizers' / 'fineweb_320_bpe.model'}",
        "VOCAB_SIZE=320",
    ]
    assert err.startswith("synth: 2 train shards")
    code, out, _ = _run(capsys, "verify", str(data_path))  # manifest found at <root>/manifest.json
    assert code == 0
    assert out.splitlines()[-1].startswith(f"{data_path}: 25 checks, 0 failed; val 256 docs")


def test_synth_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "synth", str(tmp_path / "d"), "--vocab-size", "320", "--format", "json")
    assert code == 0
    assert json.loads(out)["vocab_size"] == 320


def test_verify_failure_exits_one_and_names_the_check(
    small_copy: SynthDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    write_shard(small_copy.dataset_dir / "fineweb_train_000001.bin", [1, 999])
    code, out, _ = _run(capsys, "verify", str(small_copy.dataset_dir), "--manifest", str(small_copy.manifest_path))
    assert code == 1
    assert "FAIL fineweb_train_000001.bin: max_token_below_vocab: 999 (expected < 320)" in out
    assert "FAIL fineweb_train_000001.bin: train_shard_tokens: 2 (expected 4096)" in out


def test_verify_json_and_verbose(synth_small: SynthDataset, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "verify", str(synth_small.dataset_dir), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] is True and report["val_docs"] == 24
    code, out, _ = _run(capsys, "verify", str(synth_small.dataset_dir), "-v")
    assert "ok   val: val_docs: 24 (expected 24)" in out


def test_verify_against_a_real_variant_fails_on_synthetic_data(
    synth_small: SynthDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys,
        "verify",
        str(synth_small.dataset_dir),
        "--variant",
        "sp1024",
        "--tokenizer",
        str(synth_small.tokenizer_path),
    )
    assert code == 1
    assert "FAIL val: val_docs: 24 (expected 50000)" in out
    assert "FAIL val: val_tokens" in out and "(expected 62021846)" in out


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "{dir}", "--variant", "sp1024", "--manifest", "{manifest}"],
        ["verify", "{tmp}"],
        ["verify", "{dir}", "--variant", "sp3"],
        ["fetch", "sp1024", "--pinned-only"],
        ["fetch", "nope"],
        ["synth", "{tmp}/x", "--vocab-size", "5000"],
    ],
)
def test_usage_errors_exit_two_with_one_line(
    args: list[str], synth_small: SynthDataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = [a.format(dir=synth_small.dataset_dir, manifest=synth_small.manifest_path, tmp=tmp_path) for a in args]
    code, _, err = _run(capsys, *filled)
    assert code == 2, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(("pgolf: error:", "Error:")), err


def test_unpinned_fetch_explains_how_to_pin(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "fetch", "sp8192_caseops", "--cache", str(tmp_path), "--pinned-only")
    assert code == 2
    assert "`pgolf data pin sp8192_caseops`" in err and "commit" in err


def test_pin_without_huggingface_hub_exits_three(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = tmp_path / "lock.json"
    lock.write_bytes((Path(__file__).parents[3] / "pgolf" / "resources" / "data.lock.json").read_bytes())
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    code, _, err = _run(capsys, "pin", "sp1024", "--lock", str(lock))
    assert code == 3
    assert "huggingface_hub is not installed" in err
