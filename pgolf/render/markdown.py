"""Markdown for PR comments and GitHub step summaries."""

from __future__ import annotations

from pgolf.findings import Report, Status

_ICON = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.SKIP: "⏭️", Status.ERROR: "💥"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    out = [f"# pgolf report (ruleset {report.ruleset}, policy `{report.policy}`)", ""]
    for sub in report.submissions:
        out += [f"## `{sub.path}`: {_ICON[sub.status]} {sub.status.value}", "", f"Track: `{sub.track}`", ""]
        out += ["| | check | rule | result |", "|---|---|---|---|"]
        for r in sub.results:
            out.append(f"| {_ICON[r.status]} | `{r.code}` {r.slug} | {r.rule} | {_cell(r.message)} |")
        details = [r for r in sub.results if r.status in (Status.FAIL, Status.WARN, Status.ERROR)]
        for r in details:
            out += ["", f"### {_ICON[r.status]} {r.code} {r.slug}", "", _cell(r.message), ""]
            out += [f"- **{v.policy}**: {v.status.value}: {_cell(v.reason)}" for v in r.verdicts]
            for ev in r.evidence[:20]:
                vals = "".join(
                    f" ({name} {val})"
                    for name, val in (("measured", ev.measured), ("limit", ev.limit))
                    if val is not None
                )
                out.append(f"- `{ev.location.render()}`: {_cell(ev.note)}{vals}")
                if ev.location.excerpt:
                    out.append(f"  `{_cell(ev.location.excerpt[:160])}`")
        out += [f"- note: {_cell(n)}" for n in sub.notes]
        out.append("")
    return "\n".join(out)
