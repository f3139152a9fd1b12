"""Apply suppressions to check results, never silently: each matched result is kept, marked with why.

Three sources, one marking (`findings.Suppression`):
- the config's `ignore` and `per-path-ignores` (and `--ignore CODE: reason` where a command takes it);
- the config's `select`: a check outside it is reported as suppressed ("not selected"), not dropped;
- inline comments in the folder's code files, `# pgolf: ignore[PG402] reason`, on the line a piece
  of evidence points at or alone on the line above it. A result is suppressed when every piece of
  its evidence is; otherwise only the matched pieces are marked.

A suppressed result keeps the status it was found with; `CheckResult.counted_status` is what the
folder's verdict and the exit code count.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from pgolf.config import Config, IgnoreRule, relative_folder
from pgolf.errors import InputError, UsageError
from pgolf.findings import CheckResult, Evidence, Status, Suppression
from pgolf.folder import FileRole, SubmissionFolder

INLINE = re.compile(r"#\s*pgolf:\s*ignore\[([^\]]*)\]\s*(.*?)\s*$")
MAX_INLINE_FILE_BYTES = 16 * 1024 * 1024
_COUNTED = (Status.WARN, Status.FAIL, Status.ERROR)


@dataclass(frozen=True)
class CheckNames:
    """The names one result answers to: its code, slug, rule id and (for catalogue checks) kind."""

    names: frozenset[str]

    @classmethod
    def of(cls, result: CheckResult, kind: str | None = None) -> CheckNames:
        found = {result.code, result.slug, result.rule, *([kind] if kind else [])}
        return cls(frozenset(n.lower() for n in found))

    def any_of(self, wanted: Collection[str]) -> bool:
        return any(w.lower() in self.names for w in wanted)


def _kinds() -> dict[str, str]:
    """Catalogue code -> kind (metadata, log, code, run): a config may name a whole kind."""
    from checks import ALL_CHECKS

    return {c.code: c.kind for c in ALL_CHECKS.values()}


def check_names(result: CheckResult) -> CheckNames:
    """The names `result` answers to in a config, its catalogue kind included."""
    return CheckNames.of(result, _kinds().get(result.code))


def known_names() -> set[str]:
    """Every name a config may use: catalogue codes, slugs, rules and kinds, and the gate's rules."""
    from checks import ALL_CHECKS
    from pgolf.ci.rules import GATE_RULES, RULE_ID

    names = {n for c in ALL_CHECKS.values() for n in (c.code, c.slug, c.rule, c.kind)}
    names |= {n for r in GATE_RULES for n in (r.code, r.slug)} | {RULE_ID}
    return {n.lower() for n in names}


def validate_names(config: Config, extra: Sequence[str] = (), extra_source: str = "--select") -> None:
    """A name the config (or `extra`, from a command line) uses that no check answers to is a mistake:
    say where it is written instead of matching nothing."""
    known = known_names()
    for name, source in [*config.names(), *((n, extra_source) for n in extra)]:
        if name.lower() not in known:
            raise UsageError(f"{source}: unknown check or rule {name!r} (see `pgolf list-checks`)")


# --------------------------------------------------------------------------- inline comments


@dataclass(frozen=True)
class InlineComment:
    names: tuple[str, ...]
    reason: str
    path: str
    line: int  # where the comment is written


@dataclass
class InlineIndex:
    """`# pgolf: ignore[...]` comments of a folder's code files, read lazily per file."""

    folder: SubmissionFolder | None
    _by_file: dict[str, dict[int, InlineComment]] = field(default_factory=dict)

    def _scan(self, path: str) -> dict[int, InlineComment]:
        entry = self.folder.get(path) if self.folder is not None else None
        if entry is None or entry.role is not FileRole.CODE or self.folder is None:
            return {}
        try:
            text = self.folder.read_text(entry, cap=MAX_INLINE_FILE_BYTES)
        except (InputError, OSError):
            return {}
        found: dict[int, InlineComment] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if "pgolf" not in line:
                continue
            match = INLINE.search(line)
            if match is None:
                continue
            names = tuple(n.strip() for n in match.group(1).split(",") if n.strip())
            comment = InlineComment(names, match.group(2) or "no reason given", path, number)
            found[number] = comment
            if line.lstrip().startswith("#"):  # a comment alone on its line covers the next line
                found.setdefault(number + 1, comment)
        return found

    def at(self, path: str, line: int) -> InlineComment | None:
        if path not in self._by_file:
            self._by_file[path] = self._scan(path)
        return self._by_file[path].get(line)


def _inline_mark(ev: Evidence, names: CheckNames, index: InlineIndex, applied: bool) -> Evidence:
    loc = ev.location
    if loc.path is None or loc.line is None or loc.decoded_from is not None or ev.suppressed is not None:
        return ev
    comment = index.at(loc.path, loc.line)
    if comment is None or not names.any_of(comment.names):
        return ev
    mark = Suppression(reason=comment.reason, source=f"{comment.path}:{comment.line} (inline)", applied=applied)
    return ev.model_copy(update={"suppressed": mark})


# --------------------------------------------------------------------------- applying


def _config_mark(config: Config, names: CheckNames, folder: str | None) -> Suppression | None:
    rule: IgnoreRule | None = next(
        (r for r in config.ignores if names.any_of(r.names) and r.covers(folder)),
        None,
    )
    if rule is not None:
        return Suppression(reason=rule.reason, source=rule.source)
    if config.select and not names.any_of(config.select):
        return Suppression(reason=f"not among select = {list(config.select)}", source=f"{config.label} select")
    return None


def _inline_result(result: CheckResult, names: CheckNames, index: InlineIndex, applied: bool) -> CheckResult:
    evidence = [_inline_mark(ev, names, index, applied) for ev in result.evidence]
    marks = [ev.suppressed for ev in evidence if ev.suppressed is not None]
    if not marks:
        return result
    update: dict[str, object] = {"evidence": evidence}
    if len(marks) == len(evidence):
        reasons = "; ".join(dict.fromkeys(m.reason for m in marks))
        sources = ", ".join(dict.fromkeys(m.source for m in marks))
        update["suppressed"] = Suppression(reason=reasons, source=sources, applied=applied)
    return result.model_copy(update=update)


def apply(
    results: Sequence[CheckResult],
    config: Config,
    *,
    folder: str | None,
    inline: InlineIndex | None = None,
    inline_applied: bool | None = None,
) -> list[CheckResult]:
    """Mark the results the config or inline comments suppress. `folder` is the folder's path
    relative to the config (per-path ignores match it); `inline_applied` overrides the config's
    inline-suppressions mode (the CI gate does not honour comments written by the PR it judges)."""
    applied = (config.inline or "apply") == "apply" if inline_applied is None else inline_applied
    kinds = _kinds()
    out: list[CheckResult] = []
    for result in results:
        if result.status not in _COUNTED or result.suppressed is not None:
            out.append(result)
            continue
        names = CheckNames.of(result, kinds.get(result.code))
        mark = _config_mark(config, names, folder)
        if mark is not None:
            out.append(result.model_copy(update={"suppressed": mark}))
        elif inline is not None:
            out.append(_inline_result(result, names, inline, applied))
        else:
            out.append(result)
    return out


def for_folder(
    results: Sequence[CheckResult], config: Config, folder: SubmissionFolder, *, inline_applied: bool | None = None
) -> list[CheckResult]:
    """`apply` for a loaded folder: per-path ignores against its path, inline comments from its code."""
    return apply(
        results,
        config,
        folder=relative_folder(config, folder.root),
        inline=InlineIndex(folder),
        inline_applied=inline_applied,
    )
