"""`pgolf validate submission.json`: the strict schema for new submissions (the CI gate's rule)."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS
from pgolf.meta.validate import validate_path

MAX_UNKNOWN_SHOWN = 20


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path) -> int:
    """Validate a submission.json against the committed strict JSON Schema.

    Keys the schema does not define are allowed: they are listed as warnings (a misspelt key
    would otherwise go unnoticed), never errors. `pgolf submission fix FOLDER` repairs a file.
    """
    checked = validate_path(path)
    for err in checked.errors:
        click.echo(f"{path}#{err.pointer}: {err.message}")
    for pointer in checked.unknown_keys[:MAX_UNKNOWN_SHOWN]:
        click.echo(f"{path}#{pointer}: warning: a key the schema does not define (allowed)", err=True)
    if len(checked.unknown_keys) > MAX_UNKNOWN_SHOWN:
        click.echo(f"{path}: warning: {len(checked.unknown_keys) - MAX_UNKNOWN_SHOWN} more such keys", err=True)
    if checked.errors:
        folder = path.parent if path.name == "submission.json" else Path("FOLDER")
        click.echo(
            f"{path}: {len(checked.errors)} schema error(s); "
            f"`pgolf submission fix {folder}` repairs what the logs can tell",
            err=True,
        )
        return EXIT_VIOLATIONS
    click.echo(f"{path}: valid", err=True)
    return EXIT_OK
