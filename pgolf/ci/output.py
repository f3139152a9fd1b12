"""What `pgolf ci` prints: GitHub workflow commands, then a Markdown step summary.

Everything a PR author controls (file names, JSON values echoed in schema messages) reaches the
runner's log only through `pgolf.render.github.annotation`, which escapes `%`, CR and LF, so no
value can start a workflow command of its own on a new line (`::add-mask::`, `::stop-commands::`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from pgolf.ci.gate import PR_PATH, GateOutcome
from pgolf.ci.rules import RULE_ID
from pgolf.findings import CheckResult, Report, Status
from pgolf.render import github, markdown

_ICON = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.SKIP: "⏭️", Status.ERROR: "💥"}
MAX_SUMMARY_EVIDENCE = 20


def printable(text: str) -> str:
    """Make undecodable path bytes (kept as surrogate escapes by diff.py) printable as `\\udcXX`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def workflow_commands(report: Report) -> str:
    """One workflow command per piece of evidence: the gate's own results come first (they are the
    first submission in the report), since GitHub shows only the first 10 per level per step."""
    return printable(github.render(report))


def _md(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _suppressed(r: CheckResult) -> str:
    return f" ({_md(r.suppressed.render())})" if r.suppressed is not None else ""


def _gate_row(r: CheckResult) -> str:
    return f"| {markdown.result_icon(r)} | `{r.code}` {r.slug} | {_md(r.message)}{_suppressed(r)} |"


def _gate_details(r: CheckResult) -> list[str]:
    lines = ["", f"**{markdown.result_icon(r)} {r.code} {r.slug}**: {_md(r.message)}{_suppressed(r)}", ""]
    for ev in r.evidence[:MAX_SUMMARY_EVIDENCE]:
        where = f"`{_md(ev.location.render())}`: " if ev.location.path else ""
        lines.append(f"- {where}{_md(ev.note)}")
        if ev.suppressed is not None:
            lines.append(f"  {markdown.SUPPRESSED_ICON} {_md(ev.suppressed.render())}")
    if len(r.evidence) > MAX_SUMMARY_EVIDENCE:
        lines.append(f"- ... {len(r.evidence) - MAX_SUMMARY_EVIDENCE} more (see the annotations)")
    return lines


def summary(outcome: GateOutcome) -> str:
    """The Markdown step summary: the PR's shape, then the report of each new folder."""
    report = outcome.report
    gate = next(s for s in report.submissions if s.path == PR_PATH)
    folders = [s for s in report.submissions if s.path != PR_PATH]
    out = [
        f"# pgolf CI gate: {_ICON[report.status]} {report.status.value}",
        "",
        f"Compared `{outcome.merge_base[:12]}` (merge base of base `{outcome.base[:12]}`) with head "
        f"`{outcome.head[:12]}`: {len(outcome.changes)} changed path(s). pgolf {report.pgolf_version}, "
        f"ruleset `{report.ruleset}`, policy `{report.policy}`. The PR's code was not run.",
        "",
        f"## Pull request shape ({RULE_ID})",
        "",
        "| | check | result |",
        "|---|---|---|",
        *(_gate_row(r) for r in gate.results),
    ]
    for r in gate.results:
        if r.status is not Status.PASS:
            out += _gate_details(r)
    if folders:
        rest = report.model_copy(update={"submissions": folders})
        out += ["", printable(markdown.render(rest))]
    return "\n".join(out).rstrip("\n") + "\n"


def _write(path: Path, text: str, mode: str) -> None:
    with path.open(mode, encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(text)


def emit_summary(
    text: str,
    summary_file: Path | None,
    environ: Mapping[str, str] | None = None,
    *,
    warn: Callable[[str], None] = lambda _m: None,
) -> str:
    """Write the summary to --summary FILE, else append it to $GITHUB_STEP_SUMMARY; return what is
    left for stdout (the summary itself when neither is set, so a local run still shows it).

    A summary that cannot be written is not worth losing the verdict over: `warn` says why in one
    line and the summary is returned for stdout instead.
    """
    env = os.environ if environ is None else environ
    target, mode = (summary_file, "w") if summary_file is not None else (None, "a")
    if target is None and env.get("GITHUB_STEP_SUMMARY"):
        target = Path(env["GITHUB_STEP_SUMMARY"])  # appended: other steps may have written to it
    if target is None:
        return text
    try:
        _write(target, text, mode)
    except OSError as exc:
        warn(f"pgolf ci: cannot write the summary to {printable(str(target))}: {exc.strerror or exc}; printed instead")
        return text
    return ""
