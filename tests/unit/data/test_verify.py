"""verify_dataset: a clean dataset passes; each kind of corruption fails the check that names it."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from pgolf.data import shards
from pgolf.data.lock import DataLock, LockedFile, load_lock
from pgolf.data.shards import open_tokens, write_shard
from pgolf.data.synth import SynthDataset
from pgolf.data.verify import DataFinding, VariantExpectation, VerifyReport, verify_dataset
from pgolf.errors import InputError
from pgolf.ruleset import load_ruleset


def _verify(ds: SynthDataset, **changes: object) -> VerifyReport:
    expected = VariantExpectation.from_manifest(ds.manifest_path).model_copy(update=changes)
    return verify_dataset(ds.dataset_dir, ds.tokenizer_path, expected=expected)


def _failed(report: VerifyReport) -> set[tuple[str, str]]:
    return {(f.file, f.check) for f in report.failures}


def _finding(report: VerifyReport, file: str, check: str) -> DataFinding:
    (found,) = [f for f in report.findings if (f.file, f.check) == (file, check)]
    return found


def _tokens(path: Path) -> np.ndarray:
    return np.array(open_tokens(path))


def test_clean_synthetic_dataset_passes_every_check(synth_small: SynthDataset) -> None:
    report = _verify(synth_small)
    assert report.ok, report.failures
    assert report.notes == []
    assert (report.val_docs, report.val_tokens, report.val_bytes) == (24, synth_small.val_tokens, synth_small.val_bytes)
    assert (report.train_shards, report.train_tokens) == (3, synth_small.train_tokens)
    checks = {f.check for f in report.findings}
    assert checks >= {
        "tokenizer_vocab_size", "tokenizer_sha256", "contiguous_from_000000", "train_shard_count",
        "header_magic", "header_version", "header_reserved_zero", "file_size", "max_token_below_vocab",
        "train_shard_tokens", "val_starts_with_bos", "val_docs", "val_tokens", "val_bytes",
    }  # fmt: skip
    # the last train shard is short, and only it is exempt from the shard-size check
    assert _finding(report, "fineweb_train_000001.bin", "train_shard_tokens").ok
    assert not [f for f in report.findings if f.file == "fineweb_train_000002.bin" and f.check == "train_shard_tokens"]


def test_results_do_not_depend_on_the_scan_chunk(synth_sidecar: SynthDataset, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunked memmap scans must give the same counts as whole-array ones (chunk edges mid-document)."""
    whole = _verify(synth_sidecar)
    monkeypatch.setattr(shards, "SCAN_CHUNK_TOKENS", 97)
    chunked = _verify(synth_sidecar)
    assert chunked.findings == whole.findings and chunked.ok
    assert chunked.val_bytes == whole.val_bytes == synth_sidecar.val_bytes


def test_bad_magic(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_train_000001.bin"
    data = bytearray(path.read_bytes())
    data[0:4] = struct.pack("<i", 12345)
    path.write_bytes(bytes(data))
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_train_000001.bin", "header_magic")}
    assert _finding(report, "fineweb_train_000001.bin", "header_magic").measured == 12345


def test_bad_version_and_reserved_header_ints(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_val_000000.bin"
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<i", 2)
    data[100:104] = struct.pack("<i", 1)
    path.write_bytes(bytes(data))
    report = _verify(small_copy)
    assert _failed(report) == {
        ("fineweb_val_000000.bin", "header_version"),
        ("fineweb_val_000000.bin", "header_reserved_zero"),
    }
    assert any("val identity not checked" in n for n in report.notes)


def test_nonzero_reserved_header_int_alone(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_train_000000.bin"
    data = bytearray(path.read_bytes())
    data[1020:1024] = struct.pack("<i", 7)
    path.write_bytes(bytes(data))
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_train_000000.bin", "header_reserved_zero")}
    assert report.train_shards == 2, "a malformed shard is not scanned"


def test_truncated_shard(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_train_000000.bin"
    path.write_bytes(path.read_bytes()[:-10])
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_train_000000.bin", "file_size")}
    finding = _finding(report, "fineweb_train_000000.bin", "file_size")
    assert (finding.measured, finding.expected) == (1024 + 2 * 4096 - 10, 1024 + 2 * 4096)
    assert report.train_shards == 2, "a broken shard is not counted"


def test_shard_shorter_than_its_header(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_val_000000.bin"
    path.write_bytes(b"\0" * 10)
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_val_000000.bin", "header_present")}


def test_token_outside_the_vocabulary(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_train_000002.bin"
    tokens = _tokens(path)
    tokens[5] = 320
    write_shard(path, tokens)
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_train_000002.bin", "max_token_below_vocab")}
    assert _finding(report, "fineweb_train_000002.bin", "max_token_below_vocab").measured == 320


def test_val_token_outside_the_vocabulary_skips_identity_checks(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_val_000000.bin"
    tokens = _tokens(path)
    tokens[-1] = 60000
    write_shard(path, tokens)
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_val_000000.bin", "max_token_below_vocab")}
    assert report.val_bytes is None


def test_wrong_document_count(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_val_000000.bin"
    tokens = _tokens(path)
    second_bos = int(np.flatnonzero(tokens == 1)[1])
    write_shard(path, np.delete(tokens, second_bos))  # two documents merged into one
    report = _verify(small_copy)
    assert ("val", "val_docs") in _failed(report)
    assert (_finding(report, "val", "val_docs").measured, _finding(report, "val", "val_docs").expected) == (23, 24)
    assert ("val", "val_tokens") in _failed(report)


def test_expected_document_count_comes_from_the_expectation(synth_small: SynthDataset) -> None:
    report = _verify(synth_small, val_docs=50_000, val_tokens=62_021_846)
    assert _failed(report) == {("val", "val_docs"), ("val", "val_tokens")}


def test_val_split_must_start_with_bos(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_val_000000.bin"
    tokens = _tokens(path)
    write_shard(path, np.concatenate([tokens[1:], tokens[:1]]))  # same tokens, BOS moved to the end
    report = _verify(small_copy)
    assert ("fineweb_val_000000.bin", "val_starts_with_bos") in _failed(report)


def test_gap_in_shard_numbering(small_copy: SynthDataset) -> None:
    d = small_copy.dataset_dir
    (d / "fineweb_train_000002.bin").rename(d / "fineweb_train_000005.bin")
    report = _verify(small_copy)
    finding = _finding(report, "train", "contiguous_from_000000")
    assert (finding.measured, finding.expected, finding.ok) == ("000000-000001,000005", "000000-000002", False)


def test_misnamed_shard(small_copy: SynthDataset) -> None:
    d = small_copy.dataset_dir
    (d / "fineweb_train_000002.bin").rename(d / "fineweb_train_2.bin")
    report = _verify(small_copy, train_shards=None)
    assert _failed(report) == {("fineweb_train_2.bin", "shard_name")}


def test_missing_and_extra_train_shards(small_copy: SynthDataset) -> None:
    (small_copy.dataset_dir / "fineweb_train_000002.bin").unlink()
    assert _failed(_verify(small_copy)) == {("train", "train_shard_count")}
    assert _verify(small_copy, train_shards=2).ok


def test_short_shard_before_the_last(small_copy: SynthDataset) -> None:
    path = small_copy.dataset_dir / "fineweb_train_000000.bin"
    write_shard(path, _tokens(path)[:4000])
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_train_000000.bin", "train_shard_tokens")}


def test_no_train_shards_without_an_expected_count(small_copy: SynthDataset) -> None:
    for path in small_copy.dataset_dir.glob("fineweb_train_*.bin"):
        path.unlink()
    assert ("train", "train_shard_count") in _failed(_verify(small_copy, train_shards=None))


def test_missing_val_split(small_copy: SynthDataset) -> None:
    (small_copy.dataset_dir / "fineweb_val_000000.bin").unlink()
    assert ("val", "val_present") in _failed(_verify(small_copy))


def test_tokenizer_hash_and_vocabulary(small_copy: SynthDataset) -> None:
    report = _verify(small_copy, tokenizer_sha256="0" * 64, vocab_size=1024)
    assert _failed(report) == {
        ("fineweb_320_bpe.model", "tokenizer_sha256"),
        ("fineweb_320_bpe.model", "tokenizer_vocab_size"),
    }


def test_missing_tokenizer_fails_but_shards_are_still_checked(small_copy: SynthDataset) -> None:
    small_copy.tokenizer_path.unlink()
    report = _verify(small_copy)
    assert _failed(report) == {("fineweb_320_bpe.model", "tokenizer_loads")}
    assert report.val_bytes is None and report.val_docs == 24
    assert _finding(report, "fineweb_val_000000.bin", "max_token_below_vocab").expected == "< 320"


def test_wrong_byte_total(synth_small: SynthDataset) -> None:
    report = _verify(synth_small, val_bytes=synth_small.val_bytes + 1)
    assert _failed(report) == {("val", "val_bytes")}


def test_sidecar_checks_pass_on_a_clean_sidecar(synth_sidecar: SynthDataset) -> None:
    report = _verify(synth_sidecar)
    assert report.ok, report.failures
    assert {f.check for f in report.findings} >= {
        "sidecar_shard_count", "sidecar_length", "sidecar_zero_at_bos", "sidecar_byte_total",
    }  # fmt: skip


def test_sidecar_misaligned(sidecar_copy: SynthDataset) -> None:
    path = sidecar_copy.dataset_dir / "fineweb_val_bytes_000000.bin"
    side = _tokens(path)
    side[0] = 3  # the first token is a BOS: it owns no bytes
    write_shard(path, side)
    report = _verify(sidecar_copy)
    assert _failed(report) == {
        ("fineweb_val_bytes_000000.bin", "sidecar_zero_at_bos"),
        ("val_bytes", "sidecar_byte_total"),
    }


def test_sidecar_length_and_presence(sidecar_copy: SynthDataset) -> None:
    path = sidecar_copy.dataset_dir / "fineweb_val_bytes_000000.bin"
    write_shard(path, _tokens(path)[:-1])
    assert ("fineweb_val_bytes_000000.bin", "sidecar_length") in _failed(_verify(sidecar_copy))
    path.unlink()
    assert ("val_bytes", "sidecar_shard_count") in _failed(_verify(sidecar_copy))


def test_unexpected_sidecar_is_only_noted(synth_sidecar: SynthDataset) -> None:
    report = _verify(synth_sidecar, byte_sidecar=False)
    assert report.ok
    assert any("byte sidecar present but not expected" in n for n in report.notes)


def test_missing_directory_is_an_input_error(tmp_path: Path, synth_small: SynthDataset) -> None:
    expected = VariantExpectation.from_manifest(synth_small.manifest_path)
    with pytest.raises(InputError, match="dataset directory not found"):
        verify_dataset(tmp_path / "nope", synth_small.tokenizer_path, expected=expected)


def test_real_variant_expectations_come_from_the_ruleset_and_the_lock() -> None:
    rules = load_ruleset().data
    sp1024 = VariantExpectation.for_variant("sp1024", train_shards=10)
    assert sp1024.val_docs == rules.val_docs == 50_000
    assert sp1024.val_tokens == rules.variants["sp1024"].val_tokens_raw
    assert sp1024.vocab_size == rules.variants["sp1024"].vocab_size
    assert (sp1024.train_shards, sp1024.train_shard_tokens, sp1024.byte_sidecar) == (10, 10**8, False)
    caseops = VariantExpectation.for_variant("sp8192_caseops")
    assert caseops.byte_sidecar and caseops.val_tokens == rules.variants["sp8192_caseops"].val_tokens_raw
    assert VariantExpectation.for_variant("sp8192").val_tokens is None  # no raw constant in the ruleset
    with pytest.raises(InputError, match="unknown data variant"):
        VariantExpectation.for_variant("sp3")


def test_pinned_tokenizer_hash_is_expected() -> None:
    lock = load_lock()
    pinned = lock.variants["sp1024"].model_copy(
        update={
            "revision": "a" * 40,
            "files": (LockedFile(path="datasets/tokenizers/x.model", kind="tokenizer", size=1, sha256="b" * 64),),
        }
    )
    expected = VariantExpectation.for_variant("sp1024", lock=DataLock(variants={"sp1024": pinned}))
    assert expected.tokenizer_sha256 == "b" * 64


def test_unchecked_facts_are_noted(synth_small: SynthDataset) -> None:
    report = _verify(synth_small, tokenizer_sha256=None, val_tokens=None)
    assert report.ok
    assert any("tokenizer sha256 not checked" in n for n in report.notes)
    assert any("val token total not checked" in n for n in report.notes)


@pytest.mark.parametrize("content", ["{", "[]", '{"datasets": [{"name": "x"}]}', '{"datasets": []}'])
def test_unusable_manifest_is_an_input_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        VariantExpectation.from_manifest(path)


def test_manifest_dataset_is_chosen_by_name(synth_small: SynthDataset) -> None:
    manifest = json.loads(synth_small.manifest_path.read_text(encoding="utf-8"))
    assert VariantExpectation.from_manifest(synth_small.manifest_path, "fineweb10B_synth320").val_docs == 24
    assert manifest["datasets"][0]["name"] == "fineweb10B_synth320"
    with pytest.raises(InputError, match="no dataset other"):
        VariantExpectation.from_manifest(synth_small.manifest_path, "other")
