"""synth_dataset: the real layout, the competition's tokenizer conventions, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pgolf.data.shards import open_tokens, read_header
from pgolf.data.synth import SynthDataset, synth_dataset
from pgolf.data.textgen import TextGenerator
from pgolf.data.tokenizer import ByteTables, file_sha256, load_processor
from pgolf.errors import UsageError


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_matches_the_hub_exports(synth_small: SynthDataset) -> None:
    root = synth_small.root
    assert synth_small.dataset_dir == root / "datasets" / "fineweb10B_synth320"
    assert synth_small.tokenizer_path == root / "tokenizers" / "fineweb_320_bpe.model"
    assert sorted(_files(root)) == [
        "datasets/fineweb10B_synth320/fineweb_train_000000.bin",
        "datasets/fineweb10B_synth320/fineweb_train_000001.bin",
        "datasets/fineweb10B_synth320/fineweb_train_000002.bin",
        "datasets/fineweb10B_synth320/fineweb_val_000000.bin",
        "manifest.json",
        "tokenizers/fineweb_320_bpe.model",
    ]


def test_train_shards_are_full_except_the_last(synth_small: SynthDataset) -> None:
    sizes = [read_header(synth_small.dataset_dir / f"fineweb_train_{i:06d}.bin").num_tokens for i in range(3)]
    assert sizes[:2] == [4096, 4096]
    assert 0 < sizes[2] < 4096
    assert sum(sizes) == synth_small.train_tokens == 3 * 4096 - 4096 // 4
    assert synth_small.train_shards == 3


def test_every_document_is_bos_plus_tokens_without_eos(synth_small: SynthDataset) -> None:
    val = np.asarray(open_tokens(synth_small.dataset_dir / "fineweb_val_000000.bin"))
    assert val[0] == 1
    assert int(np.count_nonzero(val == 1)) == synth_small.val_docs == 24
    assert len(val) == synth_small.val_tokens
    assert not np.any(val == 2), "no EOS (APPEND_EOS=False)"
    assert not np.any(val == 0), "no padding inside the stream"
    train = np.asarray(open_tokens(synth_small.dataset_dir / "fineweb_train_000000.bin"))
    assert train[0] == 1 and int(np.count_nonzero(train == 1)) > 1


def test_tokenizer_follows_the_competition_conventions(synth_small: SynthDataset) -> None:
    sp = load_processor(synth_small.tokenizer_path)
    assert int(sp.vocab_size()) == synth_small.vocab_size == 320
    assert (sp.pad_id(), sp.bos_id(), sp.eos_id(), sp.unk_id()) == (0, 1, 2, 3)
    assert sp.is_byte(4) and sp.id_to_piece(4) == "<0x00>", "byte fallback pieces follow the specials"
    assert sp.encode("in 2024", out_type=str)[-4:] == ["2", "0", "2", "4"], "split_digits"
    assert file_sha256(synth_small.tokenizer_path) == synth_small.tokenizer_sha256


def test_val_bytes_equal_the_byte_table_total(synth_small: SynthDataset) -> None:
    """The UTF-8 size of the val docs is what val_bpb divides by: the byte tables must agree exactly."""
    tables = ByteTables.from_processor(load_processor(synth_small.tokenizer_path))
    val = open_tokens(synth_small.dataset_dir / "fineweb_val_000000.bin")
    assert tables.total_bytes(val) == synth_small.val_bytes > synth_small.val_tokens


def test_manifest_has_the_real_fields_and_agrees_with_the_files(synth_small: SynthDataset) -> None:
    manifest = json.loads(synth_small.manifest_path.read_text(encoding="utf-8"))
    assert manifest["append_eos"] is False and manifest["shard_size"] == 4096
    assert manifest["num_val_docs"] == 24
    assert len(manifest["docs_meta"]["docs_sha256"]) == 64
    (tok,) = manifest["tokenizers"]
    assert tok["model_path"] == "tokenizers/fineweb_320_bpe.model"
    assert (tok["bos_id"], tok["vocab_size"], tok["sha256"]) == (1, 320, synth_small.tokenizer_sha256)
    (ds,) = manifest["datasets"]
    assert ds["name"] == "fineweb10B_synth320" and ds["path"] == "datasets/fineweb10B_synth320"
    assert ds["val_bytes"] == synth_small.val_bytes
    assert "val_bytes_glob" not in ds
    assert ds["stats"] == {
        "docs_total": 24 + synth_small.train_docs,
        "docs_val": 24,
        "docs_train": synth_small.train_docs,
        "files_total": 4,
        "files_val": 1,
        "files_train": 3,
        "tokens_total": synth_small.val_tokens + synth_small.train_tokens,
        "tokens_val": synth_small.val_tokens,
        "tokens_train": synth_small.train_tokens,
    }


def test_same_seed_gives_identical_bytes(synth_small: SynthDataset, tmp_path: Path) -> None:
    again = synth_dataset(tmp_path / "again", vocab_size=320, train_shards=3, tokens_per_train_shard=4096, val_docs=24)
    assert _files(again.root) == _files(synth_small.root)
    assert again.model_dump(exclude={"root", "manifest_path", "dataset_dir", "tokenizer_path"}) == (
        synth_small.model_dump(exclude={"root", "manifest_path", "dataset_dir", "tokenizer_path"})
    )


def test_another_seed_gives_another_dataset(synth_small: SynthDataset, tmp_path: Path) -> None:
    other = synth_dataset(
        tmp_path / "other", vocab_size=320, train_shards=3, tokens_per_train_shard=4096, val_docs=24, seed=1
    )
    val = "datasets/fineweb10B_synth320/fineweb_val_000000.bin"
    assert _files(other.root)[val] != _files(synth_small.root)[val]


def test_byte_sidecar_holds_each_tokens_bytes(synth_sidecar: SynthDataset) -> None:
    val = np.asarray(open_tokens(synth_sidecar.dataset_dir / "fineweb_val_000000.bin"))
    side = np.asarray(open_tokens(synth_sidecar.dataset_dir / "fineweb_val_bytes_000000.bin"))
    assert len(side) == len(val)
    assert not np.any(side[val == 1]), "0 at every BOS"
    assert int(side.sum()) == synth_sidecar.val_bytes
    manifest = json.loads(synth_sidecar.manifest_path.read_text(encoding="utf-8"))
    assert manifest["datasets"][0]["val_bytes_glob"].endswith("fineweb_val_bytes_*.bin")


def test_text_generator_is_seeded() -> None:
    doc = TextGenerator(7).document()
    assert TextGenerator(7).document() == doc
    assert TextGenerator(8).document() != doc
    assert doc[0].isupper() and doc[-1] in ".?" and "  " not in doc and "\n" not in doc


@pytest.mark.parametrize(
    ("vocab_size", "train_shards", "shard_tokens", "val_docs"),
    [(100, 2, 4096, 8), (512, 0, 4096, 8), (512, 2, 10, 8), (512, 2, 4096, 0)],
)
def test_bad_arguments_are_usage_errors(
    tmp_path: Path, vocab_size: int, train_shards: int, shard_tokens: int, val_docs: int
) -> None:
    with pytest.raises(UsageError):
        synth_dataset(
            tmp_path / "x",
            vocab_size=vocab_size,
            train_shards=train_shards,
            tokens_per_train_shard=shard_tokens,
            val_docs=val_docs,
        )
    assert not (tmp_path / "x").exists(), "nothing is written before the arguments are checked"


def test_a_vocabulary_the_text_cannot_fill_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"supports at most \d+ tokens, not --vocab-size 4096"):
        synth_dataset(tmp_path / "x", vocab_size=4096, val_docs=1)
