"""Human output: one dotted line per check, indented evidence under anything not passing."""

from __future__ import annotations

from pgolf.findings import CheckResult, Report, Status

WIDTH = 78
_LABEL = {
    Status.PASS: "pass",
    Status.WARN: "WARN",
    Status.FAIL: "FAIL",
    Status.SKIP: "skip",
    Status.ERROR: "ERROR",
}


def _label(r: CheckResult) -> str:
    label = _LABEL[r.status]
    if r.suppressed is not None and r.counted_status is not r.status:
        return f"{label} (suppressed)"
    return label


def _result_lines(r: CheckResult) -> list[str]:
    head = f"{r.code} {r.slug} ({r.rule}) "
    label = _label(r)
    lines = [head + "." * max(3, WIDTH - len(head) - len(label) - 1) + " " + label]
    if r.status in (Status.PASS, Status.SKIP):
        return lines
    lines.append(f"    {r.message}")
    if r.suppressed is not None:
        lines.append(f"    {r.suppressed.render()}")
    for v in r.verdicts:
        lines.append(f"    policy {v.policy}: {v.status.value} - {v.reason}")
    for ev in r.evidence[:12]:
        measured = f" measured={ev.measured}" if ev.measured is not None else ""
        limit = f" limit={ev.limit}" if ev.limit is not None else ""
        lines.append(f"    - {ev.location.render()}: {ev.note}{measured}{limit}")
        if ev.suppressed is not None:
            lines.append(f"        {ev.suppressed.render()}")
        if ev.location.excerpt:
            lines.append(f"        | {ev.location.excerpt[:160]}")
    if len(r.evidence) > 12:
        lines.append(f"    ... {len(r.evidence) - 12} more pieces of evidence (use --format json)")
    return lines


def render(report: Report) -> str:
    out: list[str] = []
    for sub in report.submissions:
        out.append(f"{sub.path}  [track {sub.track}, ruleset {report.ruleset}, policy {report.policy}]")
        out.extend(line for r in sub.results for line in _result_lines(r))
        counts = {s: sum(1 for r in sub.results if r.status is s) for s in Status}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        suppressed = sum(1 for r in sub.results if r.counted_status is not r.status)
        summary += f", {suppressed} suppressed" if suppressed else ""
        out.append(f"=> {sub.status.value.upper()} ({summary})")
        out.extend(f"note: {n}" for n in sub.notes)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
