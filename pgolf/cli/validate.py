"""`pgolf validate submission.json`: the strict schema for new submissions (the CI gate's rule)."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS
from pgolf.meta.strict import validate_file


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path) -> int:
    """Validate a submission.json against the committed strict JSON Schema."""
    errors = validate_file(path)
    for err in errors:
        click.echo(f"{path}#{err.pointer}: {err.message}")
    if errors:
        click.echo(f"{path}: {len(errors)} schema error(s)", err=True)
        return EXIT_VIOLATIONS
    click.echo(f"{path}: valid", err=True)
    return EXIT_OK
