"""The `pgolf` console script: a click group and the one top-level error handler.

Exit codes: 0 clean, 1 violations, 2 usage/input error, 3 environment missing, 4 internal error.
Reports go to stdout, progress and errors to stderr.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from pgolf import __version__
from pgolf.cli.catalogue_cmds import explain, list_checks, schema
from pgolf.cli.check import check
from pgolf.cli.ci import ci, precommit
from pgolf.cli.data import data
from pgolf.cli.manifest import manifest
from pgolf.cli.report import report
from pgolf.cli.reproduce import reproduce
from pgolf.cli.validate import validate
from pgolf.errors import EXIT_INTERNAL, EXIT_USAGE, PgolfError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgolf")
def cli() -> None:
    """Reproduce and audit OpenAI Parameter Golf submissions, with evidence."""


COMMANDS: list[click.Command] = [
    check,
    validate,
    explain,
    list_checks,
    schema,
    data,
    ci,
    precommit,
    reproduce,
    manifest,
    report,
]
for _command in COMMANDS:
    cli.add_command(_command)


def _crash_log(exc: BaseException) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.gettempdir()) / f"pgolf-crash-{stamp}.log"
    path.write_text(
        f"pgolf {__version__} on Python {platform.python_version()} ({platform.platform()})\n"
        f"argv: {sys.argv}\n\n{''.join(traceback.format_exception(exc))}",
        encoding="utf-8",
    )
    return path


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="pgolf", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("pgolf: aborted", err=True)
        return 130
    except PgolfError as exc:
        click.echo(f"pgolf: error: {exc}", err=True)
        return exc.exit_code
    except Exception as exc:  # the last line of defence: never a bare traceback on the terminal
        log = _crash_log(exc)
        click.echo(f"pgolf: internal error: {type(exc).__name__}: {exc} (details in {log})", err=True)
        return EXIT_INTERNAL
    return int(result) if isinstance(result, int) else 0
