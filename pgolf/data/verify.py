"""Structural and identity checks of a dataset directory (ENVIRONMENT.md §2.4 steps 3-5).

Every check yields a `DataFinding` (file, check, measured, expected, ok), passing ones included, so
a report shows what was checked as well as what failed. Shards are scanned through memory maps in
fixed-size chunks: an 80-shard variant (16 GB) never sits in memory.

What is expected comes from a `VariantExpectation`: for the real variants from the ruleset
(`data.val_docs`, `variants.<v>.val_tokens_raw`, `vocab_size`) and the lock file (shard size,
CaseOps sidecar, tokenizer sha256); for a synthetic dataset from its manifest.json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from pgolf.data.lock import DataLock, load_lock
from pgolf.data.shards import (
    HEADER_BYTES,
    MAGIC,
    VERSION,
    ShardError,
    TokenArray,
    iter_chunks,
    open_tokens,
    read_header,
)
from pgolf.data.tokenizer import ByteTables, file_sha256, load_processor
from pgolf.errors import InputError
from pgolf.ruleset import Ruleset, load_ruleset

_SHARD_NAME = re.compile(r"^fineweb_(train|val|val_bytes)_(\d{6})\.bin$")
Measured = int | str | None


class VariantExpectation(BaseModel):
    """What a dataset directory must contain; None means "not known, so not checked"."""

    model_config = ConfigDict(frozen=True)

    name: str
    vocab_size: int
    val_docs: int
    val_tokens: int | None = None  # raw token count of the whole val split
    val_bytes: int | None = None  # UTF-8 bytes of the val documents
    train_shard_tokens: int | None = None  # tokens of every train shard but the last
    train_shards: int | None = None  # exact number of train shards that must be present
    tokenizer_sha256: str | None = None
    byte_sidecar: bool = False
    bos_id: int = 1

    @classmethod
    def for_variant(
        cls,
        name: str,
        *,
        train_shards: int | None = None,
        ruleset: Ruleset | None = None,
        lock: DataLock | None = None,
    ) -> VariantExpectation:
        """Expectations of a real variant: counts from the ruleset, layout facts from the lock."""
        rules = (ruleset or load_ruleset()).data
        variant = rules.variants.get(name)
        if variant is None:
            raise InputError(f"unknown data variant {name!r}; known: {', '.join(sorted(rules.variants))}")
        source = (lock or load_lock()).variants.get(name)
        tokenizer = [f for f in source.files if f.kind == "tokenizer"] if source else []
        return cls(
            name=name,
            vocab_size=variant.vocab_size,
            val_docs=rules.val_docs,
            val_tokens=variant.val_tokens_raw,
            train_shard_tokens=source.shard_tokens if source else None,
            train_shards=train_shards,
            tokenizer_sha256=tokenizer[0].sha256 if tokenizer else None,
            byte_sidecar=source.byte_sidecar if source else False,
            bos_id=rules.bos_id,
        )

    @classmethod
    def from_manifest(cls, manifest_path: Path, dataset_name: str | None = None) -> VariantExpectation:
        """Expectations written by `synth_dataset` (or any §2.3 manifest) for one of its datasets."""
        manifest = _read_json(manifest_path)
        datasets = manifest.get("datasets") or []
        chosen = [d for d in datasets if dataset_name in (None, d.get("name"))]
        if not chosen:
            raise InputError(f"{manifest_path}: no dataset {dataset_name or '(any)'} in datasets[]")
        entry = chosen[0]
        stats = entry.get("stats") or {}
        tokenizers = [t for t in manifest.get("tokenizers") or [] if t.get("name") == entry.get("tokenizer_name")]
        try:
            return cls(
                name=str(entry.get("name")),
                vocab_size=entry["vocab_size"],
                val_docs=stats["docs_val"],
                val_tokens=stats.get("tokens_val"),
                val_bytes=entry.get("val_bytes"),
                train_shard_tokens=manifest.get("shard_size"),
                train_shards=stats.get("files_train"),
                tokenizer_sha256=tokenizers[0].get("sha256") if tokenizers else None,
                byte_sidecar="val_bytes_glob" in entry,
                bos_id=entry.get("bos_id", 1),
            )
        except (KeyError, ValidationError) as exc:
            raise InputError(f"{manifest_path}: manifest lacks what verify needs: {exc}") from exc


class DataFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str  # relative to the dataset directory, or the tokenizer's file name
    check: str
    measured: Measured
    expected: Measured
    ok: bool


class VerifyReport(BaseModel):
    dataset_dir: Path
    tokenizer_path: Path
    expectation: VariantExpectation
    findings: list[DataFinding]
    notes: list[str]  # checks skipped, and why
    val_tokens: int = 0
    val_docs: int = 0
    val_bytes: int | None = None  # measured with the tokenizer's byte tables
    train_shards: int = 0
    train_tokens: int = 0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def failures(self) -> list[DataFinding]:
        return [f for f in self.findings if not f.ok]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


class _Verifier:
    """Accumulates findings; one method per group of checks keeps each one short."""

    def __init__(self, dataset_dir: Path, tokenizer_path: Path, expected: VariantExpectation) -> None:
        self.dir = dataset_dir
        self.expected = expected
        self.report = VerifyReport(
            dataset_dir=dataset_dir,
            tokenizer_path=tokenizer_path,
            expectation=expected,
            findings=[],
            notes=[],
        )
        self.vocab_size = expected.vocab_size
        self.tables: ByteTables | None = None

    def add(self, file: str, check: str, measured: Measured, expected: Measured, ok: bool | None = None) -> bool:
        passed = measured == expected if ok is None else ok
        self.report.findings.append(
            DataFinding(file=file, check=check, measured=measured, expected=expected, ok=passed)
        )
        return passed

    def note(self, text: str) -> None:
        self.report.notes.append(text)

    def tokenizer(self, path: Path) -> None:
        name = path.name
        try:
            sp = load_processor(path)
        except InputError as exc:
            self.add(name, "tokenizer_loads", str(exc), "a SentencePiece model", ok=False)
            self.note("byte total not measured: the tokenizer did not load")
            return
        self.vocab_size = int(sp.vocab_size())
        self.add(name, "tokenizer_vocab_size", self.vocab_size, self.expected.vocab_size)
        if self.expected.tokenizer_sha256:
            self.add(name, "tokenizer_sha256", file_sha256(path), self.expected.tokenizer_sha256)
        else:
            self.note(f"tokenizer sha256 not checked: no pinned hash for {self.expected.name}")
        self.tables = ByteTables.from_processor(sp)

    def shard_files(self) -> dict[str, list[Path]]:
        """Shards by split; misnamed .bin files fail the naming check."""
        groups: dict[str, list[tuple[int, Path]]] = {"train": [], "val": [], "val_bytes": []}
        for path in sorted(self.dir.glob("*.bin")):
            match = _SHARD_NAME.match(path.name)
            if match is None:
                self.add(path.name, "shard_name", path.name, "fineweb_{train,val,val_bytes}_NNNNNN.bin", ok=False)
                continue
            groups[match.group(1)].append((int(match.group(2)), path))
        for split, items in groups.items():
            indices = [i for i, _ in sorted(items)]
            if items or split != "val_bytes":
                self.add(split, "contiguous_from_000000", _ranges(indices), _ranges(range(len(indices))))
        return {split: [p for _, p in sorted(items)] for split, items in groups.items()}

    def shard(self, path: Path) -> TokenArray | None:
        """Header and size checks; the token memmap when they pass."""
        name = path.name
        try:
            header = read_header(path)
        except ShardError:
            self.add(name, "header_present", path.stat().st_size, f">= {HEADER_BYTES} bytes", ok=False)
            return None
        self.add(name, "header_magic", header.magic, MAGIC)
        self.add(name, "header_version", header.version, VERSION)
        self.add(name, "header_reserved_zero", header.reserved_nonzero, 0)
        self.add(name, "file_size", header.file_size, header.expected_size)
        if header.problems():
            return None  # the findings above say why; the payload of a malformed shard is not trusted
        return open_tokens(path, header=header)

    def max_token(self, name: str, tokens: TokenArray) -> bool:
        biggest = max((int(chunk.max()) for _, chunk in iter_chunks(tokens)), default=-1)
        return self.add(name, "max_token_below_vocab", biggest, f"< {self.vocab_size}", ok=biggest < self.vocab_size)


def _ranges(indices: Iterable[int]) -> str:
    """[0,1,2,5] -> "000000-000002,000005": a compact, comparable rendering of shard numbering."""
    spans: list[list[int]] = []
    for index in indices:
        if spans and index == spans[-1][1] + 1:
            spans[-1][1] = index
        else:
            spans.append([index, index])
    return ",".join(f"{a:06d}" if a == b else f"{a:06d}-{b:06d}" for a, b in spans) or "none"


def _check_train(v: _Verifier, paths: list[Path]) -> None:
    exp = v.expected
    if exp.train_shards is not None:
        v.add("train", "train_shard_count", len(paths), exp.train_shards)
    elif not paths:
        v.add("train", "train_shard_count", 0, "at least 1", ok=False)
    for index, path in enumerate(paths):
        tokens = v.shard(path)
        if tokens is None:
            continue
        v.report.train_shards += 1
        v.report.train_tokens += len(tokens)
        if exp.train_shard_tokens is not None and index < len(paths) - 1:
            v.add(path.name, "train_shard_tokens", len(tokens), exp.train_shard_tokens)
        v.max_token(path.name, tokens)


def _scan_val(v: _Verifier, paths: list[Path]) -> list[TokenArray] | None:
    """Per-shard checks of the val split; the token arrays when every shard is readable."""
    if not paths:
        v.add("val", "val_present", 0, "at least 1 val shard", ok=False)
        return None
    arrays: list[TokenArray] = []
    readable = True
    for path in paths:
        tokens = v.shard(path)
        if tokens is None or not v.max_token(path.name, tokens):
            readable = False
            continue
        arrays.append(tokens)
    return arrays if readable else None


def _check_val(v: _Verifier, paths: list[Path]) -> list[TokenArray] | None:
    arrays = _scan_val(v, paths)
    if arrays is None:
        v.note("val identity not checked: a val shard is unreadable or has out-of-vocabulary tokens")
        return None
    exp = v.expected
    bos = exp.bos_id
    first = int(arrays[0][0]) if len(arrays[0]) else None
    v.add(paths[0].name, "val_starts_with_bos", first, bos)
    docs = sum(int(np.count_nonzero(chunk == bos)) for tokens in arrays for _, chunk in iter_chunks(tokens))
    tokens_total = sum(len(t) for t in arrays)
    v.report.val_docs, v.report.val_tokens = docs, tokens_total
    v.add("val", "val_docs", docs, exp.val_docs)
    if exp.val_tokens is not None:
        v.add("val", "val_tokens", tokens_total, exp.val_tokens)
    else:
        v.note(f"val token total not checked: no raw constant for {exp.name} in the ruleset")
    if v.tables is not None:
        v.report.val_bytes = _split_bytes(v.tables, arrays)
        if exp.val_bytes is not None and not exp.byte_sidecar:
            v.add("val", "val_bytes", v.report.val_bytes, exp.val_bytes)
    return arrays


def _split_bytes(tables: ByteTables, arrays: list[TokenArray]) -> int:
    total, previous = 0, None
    for tokens in arrays:
        for _, chunk in iter_chunks(tokens):
            total += int(tables.token_bytes(chunk, previous).sum())
            previous = int(chunk[-1])
    return total


def _check_sidecar(v: _Verifier, val_paths: list[Path], sidecars: list[Path], val: list[TokenArray] | None) -> None:
    if not v.expected.byte_sidecar:
        if sidecars:
            v.note("byte sidecar present but not expected for this variant: not checked")
        return
    v.add("val_bytes", "sidecar_shard_count", len(sidecars), len(val_paths))
    if val is None or len(sidecars) != len(val_paths):
        v.note("byte sidecar alignment not checked: val split or sidecar count is broken")
        return
    byte_total = 0
    for path, tokens in zip(sidecars, val, strict=True):
        side = v.shard(path)
        if side is None or not v.add(path.name, "sidecar_length", len(side), len(tokens)):
            continue
        at_bos = sum(
            int(np.count_nonzero(side[start : start + len(chunk)][chunk == v.expected.bos_id]))
            for start, chunk in iter_chunks(tokens)
        )
        v.add(path.name, "sidecar_zero_at_bos", at_bos, 0)
        byte_total += sum(int(chunk.sum(dtype=np.int64)) for _, chunk in iter_chunks(side))
    if v.expected.val_bytes is not None:
        v.add("val_bytes", "sidecar_byte_total", byte_total, v.expected.val_bytes)
    else:
        v.note(f"sidecar byte total {byte_total} not compared: no recorded constant for {v.expected.name}")


def verify_dataset(
    dataset_dir: Path,
    tokenizer_path: Path,
    *,
    expected: VariantExpectation,
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Run every §2.4 check that `expected` makes possible; raises only when the folder is missing."""
    if not dataset_dir.is_dir():
        raise InputError(f"{dataset_dir}: dataset directory not found")
    say = progress or (lambda _msg: None)
    v = _Verifier(dataset_dir, tokenizer_path, expected)
    v.tokenizer(tokenizer_path)
    files = v.shard_files()
    say(f"verify: {len(files['train'])} train, {len(files['val'])} val shard(s) in {dataset_dir}")
    try:
        _check_train(v, files["train"])
        val = _check_val(v, files["val"])
        _check_sidecar(v, files["val"], files["val_bytes"], val)
    except OSError as exc:
        raise InputError(f"{dataset_dir}: cannot read: {exc}") from exc
    return v.report
