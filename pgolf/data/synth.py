"""A small synthetic dataset in the exact layout of the challenge's exports, for tests and CPU runs.

Layout under `out` (mirrors the HF repos' `datasets/` root, ENVIRONMENT.md §2.1/§2.3):

    manifest.json
    datasets/fineweb10B_synth<V>/fineweb_train_000000.bin ...   train shards (last one short)
    datasets/fineweb10B_synth<V>/fineweb_val_000000.bin          val split: the first `val_docs` docs
    datasets/fineweb10B_synth<V>/fineweb_val_bytes_000000.bin    only with byte_sidecar=True (CaseOps)
    tokenizers/fineweb_<V>_bpe.model

Tokenizer conventions follow the competition's SentencePiece exports: BPE, byte fallback, split
digits, nmt_nfkc, pad 0 / bos 1 / eos 2 / unk 3; every document is BOS + tokens, with no EOS.
Same arguments, same bytes: the text generator is seeded and SentencePiece trains single-threaded
on the whole (small) input, so there is no sampling.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from pgolf.data.shards import write_shard
from pgolf.data.textgen import TextGenerator
from pgolf.data.tokenizer import ByteTables, file_sha256, load_processor
from pgolf.errors import EnvironmentMissing, UsageError

PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
_TOKENIZER_TRAIN_DOCS = 3000  # enough text for every merge of a 1,024-token vocabulary
_ENCODE_BATCH = 512


class SynthDataset(BaseModel):
    """What `synth_dataset` wrote; paths are absolute."""

    model_config = ConfigDict(frozen=True)

    root: Path
    manifest_path: Path
    dataset_dir: Path
    dataset_name: str
    tokenizer_path: Path
    tokenizer_sha256: str
    vocab_size: int
    seed: int
    val_docs: int
    val_tokens: int
    val_bytes: int  # UTF-8 bytes of the val documents (= the byte-table total over the val split)
    train_docs: int
    train_tokens: int
    train_shards: int
    tokens_per_train_shard: int
    byte_sidecar: bool


def _train_tokenizer(docs: list[str], vocab_size: int, model_path: Path) -> Any:
    try:
        import sentencepiece as spm
    except ImportError as exc:
        raise EnvironmentMissing("sentencepiece is not installed: pip install 'pgolf[runner]'") from exc
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(docs),
        model_writer=buffer,
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=0.999,
        byte_fallback=True,
        split_digits=True,
        normalization_rule_name="nmt_nfkc",
        add_dummy_prefix=False,
        pad_id=PAD_ID,
        bos_id=BOS_ID,
        eos_id=EOS_ID,
        unk_id=UNK_ID,
        hard_vocab_limit=False,
        num_threads=1,
        input_sentence_size=0,
        max_sentence_length=1 << 16,
        minloglevel=2,
    )
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_bytes(buffer.getvalue())
    sp = load_processor(model_path)
    if int(sp.vocab_size()) != vocab_size:
        raise UsageError(
            f"the synthetic text supports at most {int(sp.vocab_size())} tokens, not --vocab-size {vocab_size}"
        )
    return sp


def _encode(sp: Any, docs: list[str]) -> npt.NDArray[np.uint16]:
    """BOS + tokens for each document, concatenated (no EOS, like APPEND_EOS=False)."""
    pieces = [np.array([BOS_ID, *ids], dtype=np.uint16) for ids in sp.encode(docs)]
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint16)


class _DocLog:
    """The generated documents as the `docs_selected.jsonl` they stand for, hashed as they stream."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.count = 0

    def add(self, docs: list[str]) -> None:
        for doc in docs:
            self.digest.update((json.dumps({"text": doc}, ensure_ascii=False) + "\n").encode("utf-8"))
        self.count += len(docs)


def _train_stream(
    sp: Any, first: list[str], more: Iterator[str], target: int, log: _DocLog
) -> tuple[npt.NDArray[np.uint16], int]:
    """Train tokens until `target` is reached: the tokenizer's docs first, then fresh ones."""
    parts, total, docs, batch = [], 0, 0, first
    while total < target:
        log.add(batch)
        encoded = _encode(sp, batch)
        parts.append(encoded)
        total += len(encoded)
        docs += len(batch)
        batch = [next(more) for _ in range(_ENCODE_BATCH)]
    return np.concatenate(parts)[:target], docs


def _write_splits(
    dataset_dir: Path,
    sp: Any,
    val: npt.NDArray[np.uint16],
    train: npt.NDArray[np.uint16],
    shard_tokens: int,
    *,
    byte_sidecar: bool,
) -> None:
    write_shard(dataset_dir / "fineweb_val_000000.bin", val)
    if byte_sidecar:  # CaseOps layout: each val token's byte count, 0 for BOS
        tables = ByteTables.from_processor(sp)
        write_shard(dataset_dir / "fineweb_val_bytes_000000.bin", tables.token_bytes(val, None))
    for index, start in enumerate(range(0, len(train), shard_tokens)):
        write_shard(dataset_dir / f"fineweb_train_{index:06d}.bin", train[start : start + shard_tokens])


def synth_dataset(
    out: Path,
    *,
    vocab_size: int = 512,
    train_shards: int = 2,
    tokens_per_train_shard: int = 1 << 17,
    val_docs: int = 256,
    seed: int = 0,
    byte_sidecar: bool = False,
) -> SynthDataset:
    """Generate text, train a tokenizer on it, and write shards, tokenizer and manifest under `out`.

    The train split fills `train_shards` shards; the last is three quarters full, because only the
    last shard of a real split is short. `byte_sidecar` adds the CaseOps val byte sidecar.
    """
    if vocab_size < 300 or train_shards < 1 or tokens_per_train_shard < 1024 or val_docs < 1:
        raise UsageError("synth needs vocab_size >= 300, train_shards >= 1, shard size >= 1024, val_docs >= 1")
    out = out.resolve()
    name = f"fineweb10B_synth{vocab_size}"
    dataset_dir = out / "datasets" / name
    model_path = out / "tokenizers" / f"fineweb_{vocab_size}_bpe.model"
    generator = TextGenerator(seed).documents()
    val_text = [next(generator) for _ in range(val_docs)]
    tokenizer_text = [next(generator) for _ in range(_TOKENIZER_TRAIN_DOCS)]
    sp = _train_tokenizer(tokenizer_text, vocab_size, model_path)
    log = _DocLog()
    log.add(val_text)
    val = _encode(sp, val_text)
    target = train_shards * tokens_per_train_shard - tokens_per_train_shard // 4
    train, train_docs = _train_stream(sp, tokenizer_text, generator, target, log)
    _write_splits(dataset_dir, sp, val, train, tokens_per_train_shard, byte_sidecar=byte_sidecar)
    result = SynthDataset(
        root=out,
        manifest_path=out / "manifest.json",
        dataset_dir=dataset_dir,
        dataset_name=name,
        tokenizer_path=model_path,
        tokenizer_sha256=file_sha256(model_path),
        vocab_size=vocab_size,
        seed=seed,
        val_docs=val_docs,
        val_tokens=len(val),
        val_bytes=sum(len(doc.encode("utf-8")) for doc in val_text),
        train_docs=train_docs,
        train_tokens=len(train),
        train_shards=-(-len(train) // tokens_per_train_shard),
        tokens_per_train_shard=tokens_per_train_shard,
        byte_sidecar=byte_sidecar,
    )
    result.manifest_path.write_text(json.dumps(_manifest(result, log), indent=2) + "\n", encoding="utf-8")
    return result


def _manifest(ds: SynthDataset, log: _DocLog) -> dict[str, Any]:
    """manifest.json with the fields of the real exports (§2.3), plus `val_bytes` and the tokenizer hash."""
    tokenizer_name = f"sp_bpe_{ds.vocab_size}"
    dataset: dict[str, Any] = {
        "name": ds.dataset_name,
        "tokenizer_name": tokenizer_name,
        "tokenizer_kind": "sentencepiece",
        "path": f"datasets/{ds.dataset_name}",
        "train_glob": f"datasets/{ds.dataset_name}/fineweb_train_*.bin",
        "val_glob": f"datasets/{ds.dataset_name}/fineweb_val_[0-9]*.bin",
        "vocab_size": ds.vocab_size,
        "bos_id": BOS_ID,
        "eos_id": EOS_ID,
        "val_bytes": ds.val_bytes,
        "stats": {
            "docs_total": ds.val_docs + ds.train_docs,
            "docs_val": ds.val_docs,
            "docs_train": ds.train_docs,
            "files_total": ds.train_shards + 1,
            "files_val": 1,
            "files_train": ds.train_shards,
            "tokens_total": ds.val_tokens + ds.train_tokens,
            "tokens_val": ds.val_tokens,
            "tokens_train": ds.train_tokens,
        },
    }
    if ds.byte_sidecar:
        dataset["val_bytes_glob"] = f"datasets/{ds.dataset_name}/fineweb_val_bytes_*.bin"
    return {
        "version": "synth",
        "num_docs": log.count,
        "num_val_docs": ds.val_docs,
        "shuffle_seed": ds.seed,
        "shard_size": ds.tokens_per_train_shard,
        "append_eos": False,
        "docs_jsonl": None,
        "docs_meta": {"remote_repo_id": None, "num_docs": log.count, "docs_sha256": log.digest.hexdigest()},
        "tokenizers": [
            {
                "name": tokenizer_name,
                "kind": "sentencepiece",
                "vocab_size": ds.vocab_size,
                "bos_id": BOS_ID,
                "eos_id": EOS_ID,
                "model_path": f"tokenizers/{ds.tokenizer_path.name}",
                "sha256": ds.tokenizer_sha256,
            }
        ],
        "datasets": [dataset],
    }
