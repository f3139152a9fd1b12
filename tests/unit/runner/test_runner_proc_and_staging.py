"""The subprocess choke point's pure parts, the fingerprint parsers, and data staging."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.runner import fingerprint, proc
from pgolf.runner.staging import locate, planned_synth, synthesize

from .runner_fakes import make_data, make_manifest


def test_which_names_the_remedy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(EnvironmentMissing, match="install it"):
        proc.which("torchrun", "install it")


def test_tagged_processes_are_found_by_their_inherited_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for pid, environ in [(101, b"A=1\0PGOLF_RUN_TOKEN=abc\0"), (102, b"PGOLF_RUN_TOKEN=abcd\0"), (103, b"")]:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "environ").write_bytes(environ)
    (tmp_path / "self").mkdir()
    (tmp_path / str(os.getpid())).mkdir()
    (tmp_path / str(os.getpid()) / "environ").write_bytes(b"PGOLF_RUN_TOKEN=abc\0")
    monkeypatch.setattr(proc, "_PROC", tmp_path)
    assert proc.tagged_processes("abc") == [101]  # exact value, never ourselves, zombies have no environ


def test_tagged_processes_elsewhere_find_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proc, "_PROC", tmp_path / "absent")
    assert proc.tagged_processes("abc") == []


def test_command_failed_keeps_the_tail_of_the_output() -> None:
    error = proc.CommandFailed(["gcc", "x.c"], 1, "x" * 1000 + "the real error")
    assert "exited 1" in str(error) and str(error).endswith("the real error")


def test_fingerprint_prefers_torch_and_falls_back_to_nvidia_smi() -> None:
    smi = "NVIDIA H100 80GB HBM3, 580.126.09\nNVIDIA H100 80GB HBM3, 580.126.09\n"
    fp = fingerprint.build({"python": "3.12.3", "torch": "2.9.1+cu128", "cuda": "12.8"}, smi, "local", "local", [])
    assert (fp.gpu_model, fp.gpu_count, fp.driver, fp.cuda) == ("NVIDIA H100 80GB HBM3", 2, "580.126.09", "12.8")
    fp = fingerprint.build({"gpu_count": 1, "gpu_model": "NVIDIA H200"}, None, "img", "sha256:x", ["n"])
    assert (fp.gpu_model, fp.gpu_count, fp.driver, fp.image_digest) == ("NVIDIA H200", 1, None, "sha256:x")


@pytest.mark.parametrize("layout", ["dataset", "data_root", "hf_cache"])
def test_locate_accepts_the_three_data_layouts(tmp_path: Path, layout: str) -> None:
    data = make_data(tmp_path / "src")
    root = tmp_path / "src" / "data"
    if layout == "hf_cache":  # pgolf data fetch: datasets/datasets/<dir>, datasets/tokenizers/
        hf = tmp_path / "hf"
        (hf / "datasets").mkdir(parents=True)
        (root / "datasets").rename(hf / "datasets" / "datasets")
        (root / "tokenizers").rename(hf / "datasets" / "tokenizers")
        root = hf
    given = data.dataset_dir if layout == "dataset" else root
    if layout == "hf_cache":
        given = root
    found = locate(make_manifest(), given)
    assert found.dataset_dir.name == "fineweb10B_synth512"
    assert found.tokenizer_path is not None and found.tokenizer_path.name == "fineweb_512_bpe.model"
    assert found.vocab_size == 512


def test_locate_takes_vocab_from_the_ruleset_variant(tmp_path: Path) -> None:
    root = tmp_path / "data"
    dataset = root / "datasets" / "fineweb10B_sp1024"
    dataset.mkdir(parents=True)
    (dataset / "fineweb_train_000000.bin").write_bytes(b"")
    (root / "tokenizers").mkdir()
    (root / "tokenizers" / "fineweb_1024_bpe.model").write_bytes(b"m")
    manifest = make_manifest(dataset={"variant": "sp1024", "train_shards": 1})
    assert locate(manifest, root).vocab_size == 1024


def test_too_few_shards_or_no_tokenizer_is_environment_missing(tmp_path: Path) -> None:
    data = make_data(tmp_path)
    with pytest.raises(EnvironmentMissing, match="needs 3"):
        locate(make_manifest(dataset={"variant": "synth", "train_shards": 3, "vocab_size": 512}), tmp_path / "data")
    assert data.tokenizer_path is not None
    data.tokenizer_path.unlink()
    with pytest.raises(EnvironmentMissing, match="--tokenizer"):
        locate(make_manifest(), tmp_path / "data")
    with pytest.raises(EnvironmentMissing, match="pgolf data fetch"):
        locate(make_manifest(), tmp_path / "empty")


def test_an_unknown_variant_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown dataset variant"):
        locate(make_manifest(dataset={"variant": "sp3", "train_shards": 1}), tmp_path)


def test_synthesize_generates_once_then_reuses(tmp_path: Path) -> None:
    manifest = make_manifest(dataset={"variant": "synth", "train_shards": 1, "vocab_size": 512})
    first = synthesize(manifest, tmp_path / "synth")
    stamp = (tmp_path / "synth" / "manifest.json").stat().st_mtime_ns
    assert synthesize(manifest, tmp_path / "synth") == first
    assert (tmp_path / "synth" / "manifest.json").stat().st_mtime_ns == stamp
    assert planned_synth(manifest, tmp_path / "synth") == first


def test_synthesize_refuses_real_variants(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--data"):
        synthesize(make_manifest(dataset={"variant": "sp1024", "train_shards": 1}), tmp_path)
