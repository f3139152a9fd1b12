"""Project configuration: `.pgolf.toml`, or `[tool.pgolf]` in pyproject.toml.

```toml
[tool.pgolf]                      # in .pgolf.toml the same keys sit at the top level
policy = "leaderboard"            # default for check, ci and precommit (a CLI --policy wins)
ruleset = "2026-05-02"
baseline = "records/track_10min_16mb/2026-04-27_Best"   # the SIGNIFICANCE baseline folder
select = ["metadata", "log"]      # only these decide; the others are reported as suppressed
ignore = ["PG901", { code = "PG402", reason = "accepted in #1234" }]
inline-suppressions = "apply"     # or "report": `# pgolf: ignore[...]` comments shown, not honoured

[tool.pgolf.per-path-ignores]     # globs on folder paths, relative to the config's folder
"records/track_10min_16mb/2026-03-*" = { ignore = ["PG101"], reason = "merged before the rule" }
```

Nothing here hides a finding: `pgolf.suppress` marks each one it matches with the reason and the
file it came from, and every renderer shows it. A config file inside a folder being checked is
never read (a submission cannot configure its own check).
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgolf.errors import UsageError
from pgolf.findings import PolicyName

CONFIG_NAMES = (".pgolf.toml", "pyproject.toml")
MAX_CONFIG_BYTES = 1024 * 1024
InlineMode = Literal["apply", "report"]


class IgnoreRule(BaseModel):
    """One accepted exception: these checks, in these folders (all when `paths` is empty), because `reason`."""

    model_config = ConfigDict(frozen=True)

    names: tuple[str, ...]  # codes, slugs, rule ids or kinds, as in --select/--ignore
    reason: str
    source: str  # e.g. ".pgolf.toml ignore" or "pyproject.toml [tool.pgolf.per-path-ignores] records/x"
    paths: tuple[str, ...] = ()

    def covers(self, folder: str | None) -> bool:
        return not self.paths or (folder is not None and any(path_matches(p, folder) for p in self.paths))


class Config(BaseModel):
    """What a config file says (all defaults when there is none)."""

    model_config = ConfigDict(frozen=True)

    path: Path | None = None  # the file read; None: no config
    root: Path | None = None  # what per-path globs and `baseline` are relative to (the file's folder)
    label: str = "defaults"  # how the report names it, e.g. ".pgolf.toml" or "pyproject.toml [tool.pgolf]"
    policy: PolicyName | None = None
    ruleset: str | None = None
    baseline: str | None = None  # a folder, relative to the config's folder
    select: tuple[str, ...] = ()
    ignores: tuple[IgnoreRule, ...] = ()
    inline: InlineMode | None = None  # None: the command's default (check and precommit apply, ci reports)

    def names(self) -> list[tuple[str, str]]:
        """Every check name the config mentions, with where it is written (for the unknown-name check)."""
        return [(n, f"{self.label} select") for n in self.select] + [
            (n, rule.source) for rule in self.ignores for n in rule.names
        ]


def path_matches(pattern: str, folder: str) -> bool:
    """A per-path glob against a folder path (posix, relative): the folder itself, or a folder below
    a pattern written as `dir/**` or `dir/`."""
    pattern = pattern.strip().removeprefix("./")
    base = pattern.removesuffix("/**").rstrip("/")
    return fnmatch.fnmatchcase(folder, base) or fnmatch.fnmatchcase(folder, pattern) or folder.startswith(base + "/")


# --------------------------------------------------------------------------- parsing


class _PathIgnore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ignore: list[str]
    reason: str | None = None


class _IgnoreEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    reason: str | None = None


class _Raw(BaseModel):
    """The file's keys, exactly; a misspelt key is an error rather than a setting silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    policy: PolicyName | None = None
    ruleset: str | None = None
    baseline: str | None = None
    select: list[str] = Field(default_factory=list)
    ignore: list[str | _IgnoreEntry] = Field(default_factory=list)
    inline_suppressions: InlineMode | None = Field(default=None, alias="inline-suppressions")
    per_path_ignores: dict[str, list[str] | _PathIgnore] = Field(default_factory=dict, alias="per-path-ignores")


def _no_reason(label: str, key: str) -> str:
    return f"listed under {key} in {label} (no reason given)"


def _rules(raw: _Raw, label: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for entry in raw.ignore:
        if isinstance(entry, str):
            rules.append(IgnoreRule(names=(entry,), reason=_no_reason(label, "ignore"), source=f"{label} ignore"))
        else:
            text = entry.reason or _no_reason(label, "ignore")
            rules.append(IgnoreRule(names=(entry.code,), reason=text, source=f"{label} ignore"))
    for pattern, value in raw.per_path_ignores.items():
        names, given = (value, None) if isinstance(value, list) else (value.ignore, value.reason)
        key = f"per-path-ignores {pattern!r}"
        rules.append(
            IgnoreRule(
                names=tuple(names),
                reason=given or _no_reason(label, key),
                source=f"{label} {key}",
                paths=(pattern,),
            )
        )
    return rules


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The pgolf settings of a parsed file: [tool.pgolf] in pyproject.toml, the whole of .pgolf.toml."""
    if name != "pyproject.toml":
        return data
    tool = data.get("tool")
    table = tool.get("pgolf") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def parse_config(text: str, path: Path, *, where: str = "") -> Config | None:
    """A config from file text; None for a pyproject.toml without [tool.pgolf]. Errors are UsageErrors.

    `where` is added to the name reports give it (the gate reads the file "at base")."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from exc
    table = _table(data, path.name)
    if table is None:
        return None
    label = f"{path.name} [tool.pgolf]" if path.name == "pyproject.toml" else path.name
    label += f" {where}" if where else ""
    try:
        raw = _Raw.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise UsageError(f"{path}: {label}: {where}: {first['msg']}") from exc
    return Config(
        path=path,
        root=path.parent,
        label=label,
        policy=raw.policy,
        ruleset=raw.ruleset,
        baseline=raw.baseline,
        select=tuple(raw.select),
        ignores=tuple(_rules(raw, label)),
        inline=raw.inline_suppressions,
    )


def read_config_file(path: Path) -> Config | None:
    if not path.is_file():
        raise UsageError(f"{path}: no such config file")
    data = path.read_bytes()[: MAX_CONFIG_BYTES + 1]
    if len(data) > MAX_CONFIG_BYTES:
        raise UsageError(f"{path}: over {MAX_CONFIG_BYTES} bytes; not a pgolf config")
    return parse_config(data.decode("utf-8", "replace"), path)


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def discover(start: Path, *, exclude: Sequence[Path] = ()) -> Config:
    """The nearest `.pgolf.toml` (or pyproject.toml with [tool.pgolf]) from `start` upwards.

    A config inside one of `exclude` (the folders being checked) is passed over: it would let a
    submission suppress findings about itself.
    """
    excluded = [e.resolve() for e in exclude]
    here = start.resolve()
    for folder in [here, *here.parents]:
        if _inside(folder, excluded):
            continue
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                config = read_config_file(candidate)
                if config is not None:
                    return config
    return Config()


def load(explicit: Path | None, start: Path, *, exclude: Sequence[Path] = (), enabled: bool = True) -> Config:
    """The config a command runs with: --config FILE, else discovery from `start`, else defaults."""
    if not enabled:
        return Config()
    if explicit is not None:
        config = read_config_file(explicit)
        if config is None:
            raise UsageError(f"{explicit}: has no [tool.pgolf] table")
        return config
    return discover(start, exclude=exclude)


def relative_folder(config: Config, folder: Path) -> str | None:
    """The folder's path relative to the config's folder (posix), as per-path globs see it."""
    root = config.root
    if root is None:
        return None
    try:
        return PurePosixPath(folder.resolve().relative_to(root.resolve()).as_posix()).as_posix()
    except ValueError:
        return None


def split_ignores(values: Iterable[str], source: str = "--ignore") -> list[str]:
    """`--ignore` values: `CODE: reason` is one entry (a reason may hold commas); `A,B` is two."""
    out: list[str] = []
    for value in values:
        parts = [value] if ":" in value else [part for part in value.split(",") if part.strip()]
        if not parts:
            raise UsageError(f"{source} {value!r} names no check (write CODE or CODE: reason)")
        out += parts
    return out


def with_cli_ignores(config: Config, entries: Sequence[str], source: str) -> Config:
    """Add `CODE` or `CODE: reason` entries (from a command line or an action input) as ignore rules."""
    rules = []
    for entry in split_ignores(entries, source):
        name, _, reason = entry.partition(":")
        if not name.strip():  # `--ignore ": reason"`: dropping it would silently suppress nothing
            raise UsageError(f"{source} {entry!r} names no check (write CODE or CODE: reason)")
        text = reason.strip() or f"ignored by {source} (no reason given)"
        rules.append(IgnoreRule(names=(name.strip(),), reason=text, source=source))
    return config.model_copy(update={"ignores": (*config.ignores, *rules)}) if rules else config
