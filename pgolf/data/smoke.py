"""A small dataset in a record's own format, for `pgolf reproduce --profile smoke`.

CaseOps variants (a byte sidecar beside the val shards) are made the record's way: generated
documents (pgolf.data.textgen, deterministic) are written as `docs.jsonl` and the record's own
`prepare_caseops_data.py` tokenizes them with the tokenizer the record ships, writing the shards
and the `fineweb_val_bytes_*` sidecar exactly as its README's fallback path does. Other variants
get pgolf's synthetic dataset at the variant's vocabulary size (pgolf.data.synth).

`plan_smoke_data` is pure (what will be made, and the command); `make_smoke_data` makes it, once:
a finished folder carries a marker and is reused by the next seed and by a resumed run.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pgolf.data.lock import load_lock
from pgolf.data.textgen import TextGenerator
from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.manifest import Manifest
from pgolf.ruleset import load_ruleset

CASEOPS_PREP = "prepare_caseops_data.py"
_DONE = ".pgolf-smoke-data.json"
_PREP_TIMEOUT_S = 900.0


class SmokeData(BaseModel):
    model_config = ConfigDict(frozen=True)

    variant: str
    root: Path  # everything is written under it
    docs: Path  # the generated documents (jsonl)
    dataset_dir: Path
    tokenizer_path: Path
    vocab_size: int | None
    val_docs: int
    train_docs: int
    command: list[str] | None  # the record's own prep, run with the runner's python; None: pgolf synth
    how: str


def _find(folder: Path, name: str) -> Path | None:
    hits = sorted(p for p in folder.rglob(name) if p.is_file() and not p.is_symlink())
    return hits[0] if hits else None


def plan_smoke_data(
    manifest: Manifest, source_dir: Path, root: Path, *, python: str, val_docs: int, train_docs: int
) -> SmokeData:
    variant = manifest.dataset.variant
    lock = load_lock().variants.get(variant)
    known = load_ruleset(manifest.ruleset).data.variants.get(variant)
    vocab = manifest.dataset.vocab_size or (known.vocab_size if known is not None else None)
    docs = root / "docs.jsonl"
    if lock is not None and lock.byte_sidecar:
        prep = _find(source_dir, CASEOPS_PREP)
        tokenizer = _find(source_dir, Path(lock.tokenizer_file).name)
        if prep is None or tokenizer is None:
            missing = CASEOPS_PREP if prep is None else Path(lock.tokenizer_file).name
            raise UsageError(
                f"--profile smoke for {variant}: the record ships no {missing}, so its data cannot be made its own "
                "way; pass --data DIR with a small dataset in the record's format"
            )
        out = root / "datasets"
        command = [
            python, str(prep), "--docs", str(docs), "--out", str(out), "--sp", str(tokenizer),
            "--val-docs", str(val_docs),
        ]  # fmt: skip
        return SmokeData(
            variant=variant,
            root=root,
            docs=docs,
            dataset_dir=out / "datasets" / lock.dataset_dir,
            tokenizer_path=tokenizer,
            vocab_size=vocab,
            val_docs=val_docs,
            train_docs=train_docs,
            command=command,
            how=f"the record's own {prep.name} with its tokenizer {tokenizer.name}: {shlex.join(command)}",
        )
    if vocab is None:
        raise UsageError(f"--profile smoke: unknown vocabulary size of variant {variant!r}")
    return SmokeData(
        variant=variant,
        root=root,
        docs=docs,
        dataset_dir=root / "datasets" / f"fineweb10B_synth{vocab}",
        tokenizer_path=root / "tokenizers" / f"fineweb_{vocab}_bpe.model",
        vocab_size=vocab,
        val_docs=val_docs,
        train_docs=train_docs,
        command=None,
        how=f"pgolf's synthetic dataset with a {vocab}-token SentencePiece tokenizer (the record ships none)",
    )


def _write_docs(path: Path, count: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    generator = TextGenerator(0)
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(count):
            fh.write(json.dumps({"text": generator.document()}) + "\n")


def make_smoke_data(plan: SmokeData) -> list[str]:
    """Make the data (or find it made); the notes for the run's evidence."""
    marker = plan.root / _DONE
    if marker.is_file() and plan.dataset_dir.is_dir():
        return [f"smoke data reused from {plan.root}"]
    if plan.command is None:
        from pgolf.data.synth import synth_dataset

        if plan.vocab_size is None:
            raise UsageError("smoke data without a vocabulary size")
        synth_dataset(plan.root, vocab_size=plan.vocab_size, train_shards=1, val_docs=plan.val_docs)
    else:
        from pgolf.runner import proc

        _write_docs(plan.docs, plan.val_docs + plan.train_docs)
        try:
            proc.run(plan.command, cwd=plan.root, timeout_s=_PREP_TIMEOUT_S)
        except proc.CommandFailed as exc:
            raise EnvironmentMissing(f"the record's data preparation failed: {exc}") from exc
        if not any(plan.dataset_dir.glob("fineweb_val_bytes_*.bin")):
            raise EnvironmentMissing(f"the record's data preparation wrote no byte sidecar into {plan.dataset_dir}")
    marker.write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return [f"smoke data: {plan.how}"]
