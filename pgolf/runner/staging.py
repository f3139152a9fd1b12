"""Find (or synthesize) the data a manifest needs, before planning: the run itself has no network.

`--data DIR` may be the dataset folder itself, a challenge-style `data/` root
(`datasets/<dir>/`, `tokenizers/`), or a `pgolf data fetch` cache root (the HF repo layout,
`datasets/datasets/<dir>/`, `datasets/tokenizers/`). The synth variant is generated into the run
folder when no --data is given (pgolf.data.synth is deterministic: same arguments, same bytes).
"""

from __future__ import annotations

from pathlib import Path

from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.manifest import Manifest
from pgolf.ruleset import load_ruleset
from pgolf.runner.model import DataLocation

TRAIN_GLOB = "fineweb_train_*.bin"


def _names(manifest: Manifest) -> tuple[str, str]:
    """(dataset folder name, tokenizer file name) of the manifest's variant."""
    spec = manifest.dataset
    if spec.synthetic:
        vocab = spec.vocab_size
        return f"fineweb10B_synth{vocab}", spec.tokenizer or f"fineweb_{vocab}_bpe.model"
    from pgolf.data.lock import load_lock

    try:
        variant = load_lock().variant(spec.variant)
    except Exception as exc:  # the lock raises its own error types; all mean "unknown variant" here
        raise UsageError(f"manifest {manifest.name}: unknown dataset variant {spec.variant!r}: {exc}") from exc
    return variant.dataset_dir, spec.tokenizer or Path(variant.tokenizer_file).name


def _first_dir(candidates: list[Path]) -> Path | None:
    return next((c for c in candidates if c.is_dir() and any(c.glob("fineweb_*.bin"))), None)


def locate(manifest: Manifest, data: Path, tokenizer: Path | None = None) -> DataLocation:
    """Resolve --data to the dataset folder and tokenizer; EnvironmentMissing if they are not there."""
    folder, tokenizer_name = _names(manifest)
    data = data.resolve()
    dataset_dir = _first_dir([data, data / "datasets" / folder, data / "datasets" / "datasets" / folder])
    if dataset_dir is None:
        raise EnvironmentMissing(
            f"no dataset {folder} under {data}: fetch it first (pgolf data fetch {manifest.dataset.variant})"
        )
    shards = len(list(dataset_dir.glob(TRAIN_GLOB)))
    if shards < manifest.dataset.train_shards:
        raise EnvironmentMissing(
            f"{dataset_dir} has {shards} train shards, the manifest needs {manifest.dataset.train_shards}: "
            f"fetch more (pgolf data fetch {manifest.dataset.variant} --train-shards {manifest.dataset.train_shards})"
        )
    if tokenizer is None:
        roots = [data, data / "datasets", dataset_dir.parent.parent]
        tokenizer = next(
            (r / "tokenizers" / tokenizer_name for r in roots if (r / "tokenizers" / tokenizer_name).is_file()), None
        )
    if tokenizer is None or not tokenizer.is_file():
        raise EnvironmentMissing(f"tokenizer {tokenizer_name} not found near {dataset_dir}: pass --tokenizer FILE")
    vocab = manifest.dataset.vocab_size
    if vocab is None:
        known = load_ruleset(manifest.ruleset).data.variants.get(manifest.dataset.variant)
        vocab = known.vocab_size if known is not None else None
    return DataLocation(
        variant=manifest.dataset.variant, dataset_dir=dataset_dir, tokenizer_path=tokenizer.resolve(), vocab_size=vocab
    )


def synthesize(manifest: Manifest, out: Path) -> DataLocation:
    """The synth dataset for a manifest, generated under `out` (reused when already there)."""
    spec = manifest.dataset
    if not spec.synthetic or spec.vocab_size is None:
        raise UsageError(f"manifest {manifest.name} uses dataset {spec.variant!r}: pass --data DIR")
    if not (out / "manifest.json").is_file():
        from pgolf.data.synth import synth_dataset

        synth_dataset(out, vocab_size=spec.vocab_size, train_shards=spec.train_shards)
    return locate(manifest, out)


def planned_synth(manifest: Manifest, out: Path) -> DataLocation:
    """Where synthesize() would put the data, without writing anything (for --dry-run)."""
    folder, tokenizer = _names(manifest)
    return DataLocation(
        variant=manifest.dataset.variant,
        dataset_dir=(out / "datasets" / folder).resolve(),
        tokenizer_path=(out / "tokenizers" / tokenizer).resolve(),
        vocab_size=manifest.dataset.vocab_size,
    )


def fetched(manifest: Manifest, dry_run: bool, notes: list[str]) -> tuple[DataLocation, list[str]]:
    """A challenge variant from the data cache, downloaded first when absent (pgolf data fetch).

    The dry run contacts no Hub: it shows the pin (or that the current revision will be resolved
    and recorded, trust on first use) and where the files will be.
    """
    from pgolf.data.fetch import default_cache_dir, fetch_variant
    from pgolf.data.lock import load_lock

    spec = manifest.dataset
    try:
        source = load_lock().variant(spec.variant)
    except Exception as exc:  # the lock raises its own error types; all mean "unknown variant" here
        raise UsageError(f"manifest {manifest.name}: unknown dataset variant {spec.variant!r}: {exc}") from exc
    revision = source.revision if source.pinned else "unpinned"
    how = [
        f"fetched with huggingface_hub from {source.repo_id} ({source.dataset_repo_dir}: val, byte sidecar"
        f"{'' if source.byte_sidecar else ' (none)'}, the first {spec.train_shards} train shards; "
        f"{source.tokenizer_repo_path}): pgolf data fetch {spec.variant} --train-shards {spec.train_shards}",
        f"revision: {source.revision} (data lock)"
        if source.pinned
        else "revision: unpinned in the data lock: the current commit is resolved at fetch, recorded in the run's "
        "evidence and the user lock, and every file's size and sha256 checked (trust on first use)",
    ]
    root = default_cache_dir() / spec.variant / revision
    if dry_run:
        location = DataLocation(
            variant=spec.variant,
            dataset_dir=root / source.dataset_repo_dir,
            tokenizer_path=root / source.tokenizer_repo_path,
            vocab_size=load_ruleset(manifest.ruleset).data.variants[spec.variant].vocab_size
            if spec.variant in load_ruleset(manifest.ruleset).data.variants
            else spec.vocab_size,
        )
        return location, [*how, f"into {root}"]
    result = fetch_variant(spec.variant, train_shards=spec.train_shards)
    notes.append(
        f"data {spec.variant}: {result.repo_id}@{result.revision} (pinned by: {result.pin}), "
        f"{len(result.downloaded)} file(s) downloaded, {len(result.skipped)} already verified"
    )
    notes.extend(result.warnings)
    return locate(manifest, result.root, result.tokenizer_path), [*how, f"into {result.root}"]
