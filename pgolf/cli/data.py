"""`pgolf data ...`: fetch, pin, verify and synthesise challenge datasets.

Exit codes: 0 ok, 1 verification failed (a check or a hash), 2 usage/input error, 3 environment
missing (no network, huggingface_hub or sentencepiece not installed). Results go to stdout,
progress to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pgolf.data.fetch import FetchResult, default_cache_dir, fetch_variant, pin_variant
from pgolf.data.lock import load_lock
from pgolf.data.synth import synth_dataset
from pgolf.data.verify import VariantExpectation, VerifyReport, verify_dataset
from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS, UsageError
from pgolf.ruleset import load_ruleset

_FORMATS = click.Choice(["text", "json"])


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.group()
def data() -> None:
    """Download, pin, verify or synthesise Parameter Golf datasets."""


def _render(report: VerifyReport, fmt: str, verbose: bool) -> str:
    if fmt == "json":
        payload = report.model_dump(mode="json") | {"ok": report.ok}
        return json.dumps(payload, indent=2) + "\n"
    lines = []
    for finding in report.findings if verbose else report.failures:
        mark = "ok  " if finding.ok else "FAIL"
        lines.append(f"{mark} {finding.file}: {finding.check}: {finding.measured} (expected {finding.expected})")
    lines += [f"note {note}" for note in report.notes]
    failed = len(report.failures)
    lines.append(
        f"{report.dataset_dir}: {len(report.findings)} checks, {failed} failed; val {report.val_docs} docs "
        f"{report.val_tokens} tokens {report.val_bytes} bytes; train {report.train_shards} shards "
        f"{report.train_tokens} tokens"
    )
    return "\n".join(lines) + "\n"


def _manifest_tokenizer(manifest: Path, dataset_name: str) -> Path | None:
    """The tokenizer a §2.3 manifest names for a dataset, relative to the manifest's folder."""
    content = json.loads(manifest.read_text(encoding="utf-8"))
    entries = [d for d in content.get("datasets", []) if d.get("name") == dataset_name]
    wanted = entries[0].get("tokenizer_name") if entries else None
    for tok in content.get("tokenizers", []):
        if tok.get("name") == wanted and tok.get("model_path"):
            return manifest.parent / str(tok["model_path"])
    return None


def _expectation(
    directory: Path, variant: str | None, manifest: Path | None, train_shards: int | None
) -> tuple[VariantExpectation, Path | None]:
    """What to expect of `directory`, and the tokenizer the source of that expectation names."""
    if variant and manifest:
        raise UsageError("give --variant or --manifest, not both")
    if variant:
        source = load_lock().variants.get(variant)
        tokenizer = directory.parent.parent / source.tokenizer_file if source else None
        return VariantExpectation.for_variant(variant, train_shards=train_shards), tokenizer
    if manifest is None:
        guess = directory.parent.parent / "manifest.json"  # <root>/datasets/<name>/ -> <root>/manifest.json
        if not guess.is_file():
            raise UsageError(f"no manifest.json at {guess}: pass --variant NAME or --manifest PATH")
        manifest = guess
    expected = VariantExpectation.from_manifest(manifest, directory.name)
    if train_shards is not None:
        expected = expected.model_copy(update={"train_shards": train_shards})
    return expected, _manifest_tokenizer(manifest, directory.name)


@data.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--variant", default=None, help="a ruleset data variant (sp1024, sp8192_caseops, ...)")
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="a manifest.json whose stats give the expectations (synthetic datasets)",
)
@click.option(
    "--tokenizer",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="the .model (default: the one the manifest or the lock names, under <DIR>/../..)",
)
@click.option(
    "--train-shards",
    type=click.IntRange(min=0),
    default=None,
    help="the exact number of train shards that must be present",
)
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
@click.option("--verbose", "-v", is_flag=True, help="list passing checks too")
def verify(
    *,
    directory: Path,
    variant: str | None,
    manifest: Path | None,
    tokenizer: Path | None,
    train_shards: int | None,
    fmt: str,
    verbose: bool,
) -> int:
    """Check shard format, token ranges, val identity and tokenizer of a dataset DIRECTORY."""
    expected, named = _expectation(directory, variant, manifest, train_shards)
    tokenizer = tokenizer or named
    if tokenizer is None:
        raise UsageError("cannot tell which tokenizer to check: pass --tokenizer PATH")
    report = verify_dataset(directory, tokenizer, expected=expected, progress=_progress)
    click.echo(_render(report, fmt, verbose), nl=False)
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


@data.command()
@click.argument("variant")
@click.option(
    "--train-shards",
    type=click.IntRange(min=0),
    default=None,
    help="download only the first N train shards (default: the variant's usual count)",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="cache folder (default: $PGOLF_CACHE or ~/.cache/pgolf/data)",
)
@click.option("--no-verify", is_flag=True, help="skip the structural checks after the hash checks")
@click.option(
    "--pinned-only",
    is_flag=True,
    help="refuse a variant the data lock does not pin (default: trust the current revision on first use, recorded)",
)
@click.option("--workers", type=click.IntRange(min=1), default=8, show_default=True, help="parallel downloads")
@click.option(
    "--lock",
    "lock_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="lock file to read (default: the one inside the package)",
)
def fetch(
    *,
    variant: str,
    train_shards: int | None,
    cache: Path | None,
    no_verify: bool,
    pinned_only: bool,
    workers: int,
    lock_path: Path | None,
) -> int:
    """Download VARIANT (pinned, or trusted on first use and recorded), check every file's sha256, then verify."""
    result = fetch_variant(
        variant,
        train_shards=train_shards,
        cache_dir=cache or default_cache_dir(),
        lock=load_lock(lock_path),
        progress=_progress,
        tofu=not pinned_only,
        max_workers=workers,
    )
    _progress(
        f"{variant}: {len(result.downloaded)} downloaded ({result.bytes_downloaded:,} B), "
        f"{len(result.skipped)} already verified"
    )
    click.echo(f"DATA_PATH={result.dataset_dir}")
    click.echo(f"TOKENIZER_PATH={result.tokenizer_path}")
    _progress(f"{variant}: revision {result.revision} (pinned by: {result.pin})")
    if no_verify:
        return EXIT_OK
    report = verify_dataset(
        result.dataset_dir, result.tokenizer_path, expected=_fetched_expectation(result), progress=_progress
    )
    click.echo(_render(report, "text", False), nl=False, err=True)
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _fetched_expectation(result: FetchResult) -> VariantExpectation:
    """Ruleset constants for the challenge's variants; the repo's own manifest for any other."""
    if result.variant in load_ruleset().data.variants:
        # no exact shard count: the cache may hold more train shards from an earlier, larger fetch
        return VariantExpectation.for_variant(result.variant)
    manifest = result.dataset_dir.parent.parent / "manifest.json"
    return VariantExpectation.from_manifest(manifest, result.dataset_dir.name).model_copy(update={"train_shards": None})


@data.command()
@click.argument("variant")
@click.option("--revision", default="main", show_default=True, help="branch, tag or commit to pin")
@click.option(
    "--lock",
    "lock_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="lock file to update (default: the one inside the package)",
)
def pin(variant: str, revision: str, lock_path: Path | None) -> int:
    """Resolve VARIANT's repo to a commit and record every file's size and sha256 in the lock."""
    pinned = pin_variant(variant, revision=revision, lock_path=lock_path, progress=_progress)
    click.echo(f"{variant} {pinned.repo_id}@{pinned.revision} ({len(pinned.files)} files)")
    return EXIT_OK


@data.command()
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option("--vocab-size", type=click.IntRange(min=300), default=512, show_default=True)
@click.option("--train-shards", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--tokens-per-shard", type=click.IntRange(min=1024), default=1 << 17, show_default=True)
@click.option("--val-docs", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--byte-sidecar", is_flag=True, help="also write the CaseOps val byte sidecar")
@click.option("--format", "fmt", type=_FORMATS, default="text", show_default=True)
def synth(
    *,
    out: Path,
    vocab_size: int,
    train_shards: int,
    tokens_per_shard: int,
    val_docs: int,
    seed: int,
    byte_sidecar: bool,
    fmt: str,
) -> int:
    """Write a small deterministic dataset in the challenge's layout under OUT."""
    ds = synth_dataset(
        out,
        vocab_size=vocab_size,
        train_shards=train_shards,
        tokens_per_train_shard=tokens_per_shard,
        val_docs=val_docs,
        seed=seed,
        byte_sidecar=byte_sidecar,
    )
    if fmt == "json":
        click.echo(ds.model_dump_json(indent=2))
        return EXIT_OK
    click.echo(f"DATA_PATH={ds.dataset_dir}")
    click.echo(f"TOKENIZER_PATH={ds.tokenizer_path}")
    click.echo(f"VOCAB_SIZE={ds.vocab_size}")
    _progress(
        f"synth: {ds.train_shards} train shards ({ds.train_tokens:,} tokens), val {ds.val_docs} docs "
        f"({ds.val_tokens:,} tokens, {ds.val_bytes:,} bytes)"
    )
    return EXIT_OK
