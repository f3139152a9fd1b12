"""The `pgolf` console script: a click group and the one top-level error handler.

Exit codes: 0 clean, 1 violations, 2 usage/input error, 3 environment missing, 4 internal error,
5 incomplete (a reproduction that cannot be judged yet; pgolf.report.verdict).
Reports go to stdout, progress and errors to stderr.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import platform
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from pgolf import __version__
from pgolf.errors import EXIT_INTERNAL, EXIT_USAGE, EnvironmentMissing, PgolfError

# Every command is imported on first use: `pgolf check` does not pay for importing the CI gate, the
# reproducer or the schema tooling (start-up time counts: the check runs on every PR and in pre-commit),
# and commands that need the `runner` extra (torch, numpy, sentencepiece, docker, huggingface_hub) leave
# a base install (the CI gate, the pre-commit hooks) able to run `pgolf check`.
LAZY_COMMANDS: dict[str, str] = {
    "check": "pgolf.cli.check:check",
    "validate": "pgolf.cli.validate:validate",
    "submission": "pgolf.cli.submission:submission",
    "explain": "pgolf.cli.catalogue_cmds:explain",
    "list-checks": "pgolf.cli.catalogue_cmds:list_checks",
    "schema": "pgolf.cli.catalogue_cmds:schema",
    "ci": "pgolf.cli.ci:ci",
    "precommit": "pgolf.cli.ci:precommit",
    "data": "pgolf.cli.data:data",
    "fanout": "pgolf.cli.fanout:fanout",
    "manifest": "pgolf.cli.manifest:manifest",
    "report": "pgolf.cli.report:report",
    "reproduce": "pgolf.cli.reproduce:reproduce",
    "verify-bundle": "pgolf.cli.bundle:verify_bundle",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EnvironmentMissing(
                f"`pgolf {cmd_name}` needs the runner extra ({exc.name or exc}): pip install 'pgolf[runner]'"
            ) from exc
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            try:
                command = self.get_command(ctx, name)
            except EnvironmentMissing:
                rows.append((name, "(needs the runner extra: pip install 'pgolf[runner]')"))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgolf")
def cli() -> None:
    """Reproduce and audit OpenAI Parameter Golf submissions, with evidence."""


def _crash_log(exc: BaseException) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.gettempdir()) / f"pgolf-crash-{stamp}.log"
    path.write_text(
        f"pgolf {__version__} on Python {platform.python_version()} ({platform.platform()})\n"
        f"argv: {sys.argv}\n\n{''.join(traceback.format_exception(exc))}",
        encoding="utf-8",
    )
    return path


# A run allocates hundreds of thousands of long-lived objects (modules, ASTs, the analysis) and few
# cycles; at Python's default thresholds the collector would walk them over and over (mypy's reason
# for the same setting). Garbage cycles are still collected, in larger batches.
GC_THRESHOLDS = (100_000, 50, 100)


def main(argv: Sequence[str] | None = None) -> int:
    gc.set_threshold(*GC_THRESHOLDS)
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
