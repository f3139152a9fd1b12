"""Markdown for PR comments and GitHub step summaries."""

from __future__ import annotations

from pgolf.findings import CheckResult, Report, Status

_ICON = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.SKIP: "⏭️", Status.ERROR: "💥"}
SUPPRESSED_ICON = "🔕"


def result_icon(r: CheckResult) -> str:
    """The status icon, or the muted bell for a finding an applied suppression no longer counts."""
    return SUPPRESSED_ICON if r.counted_status is not r.status else _ICON[r.status]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    out = [f"# pgolf report (ruleset {report.ruleset}, policy `{report.policy}`)", ""]
    for sub in report.submissions:
        out += [f"## `{sub.path}`: {_ICON[sub.status]} {sub.status.value}", "", f"Track: `{sub.track}`", ""]
        out += ["| | check | rule | result |", "|---|---|---|---|"]
        for r in sub.results:
            mark = f" ({_cell(r.suppressed.render())})" if r.suppressed is not None else ""
            out.append(f"| {result_icon(r)} | `{r.code}` {r.slug} | {r.rule} | {_cell(r.message)}{mark} |")
        details = [r for r in sub.results if r.status in (Status.FAIL, Status.WARN, Status.ERROR)]
        for r in details:
            out += ["", f"### {result_icon(r)} {r.code} {r.slug}", "", _cell(r.message), ""]
            if r.suppressed is not None:
                out += [f"**{_cell(r.suppressed.render())}**", ""]
            out += [f"- **{v.policy}**: {v.status.value}: {_cell(v.reason)}" for v in r.verdicts]
            for ev in r.evidence[:20]:
                vals = "".join(
                    f" ({name} {val})"
                    for name, val in (("measured", ev.measured), ("limit", ev.limit))
                    if val is not None
                )
                out.append(f"- `{ev.location.render()}`: {_cell(ev.note)}{vals}")
                if ev.suppressed is not None:
                    out.append(f"  {SUPPRESSED_ICON} {_cell(ev.suppressed.render())}")
                if ev.location.excerpt:
                    out.append(f"  `{_cell(ev.location.excerpt[:160])}`")
        out += [f"- note: {_cell(n)}" for n in sub.notes]
        out.append("")
    return "\n".join(out)
