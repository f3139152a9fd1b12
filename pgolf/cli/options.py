"""Option parsing shared by commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from pgolf import config as config_mod
from pgolf import suppress
from pgolf.config import Config
from pgolf.errors import UsageError


def split_names(values: Iterable[str], option: str) -> list[str]:
    """`--select A,B --select C` -> [A, B, C]. A value naming nothing (`--select ""`, often an empty
    shell variable) is a usage error: run as if it were absent, it would check everything."""
    names: list[str] = []
    for value in values:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise UsageError(f"{option} {value!r} names no check (give a code, slug, rule id or kind)")
        names += parts
    return names


F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """--config FILE and --no-config, for commands that read `.pgolf.toml` / `[tool.pgolf]`."""
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="a .pgolf.toml or pyproject.toml (default: the nearest one from the current folder up)",
    )(func)
    return click.option(
        "--no-config", "use_config", is_flag=True, flag_value=False, default=True, help="read no config file"
    )(func)


def load_config(explicit: Path | None, start: Path, *, exclude: Sequence[Path] = (), enabled: bool = True) -> Config:
    """The command's config, its check names verified against the catalogue and the gate's rules."""
    config = config_mod.load(explicit, start, exclude=exclude, enabled=enabled)
    suppress.validate_names(config)
    return config
