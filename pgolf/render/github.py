"""GitHub workflow commands: one annotation per piece of evidence, each carrying one message.

The result's headline goes to the title's check and to the step summary, not into every
annotation; a value is shown only where it was measured (no "limit None"). A suppressed finding
becomes a notice that says why, so an accepted exception is visible on the PR without failing it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pgolf.findings import CheckResult, Evidence, Report, Status

_LEVEL = {Status.FAIL: "error", Status.ERROR: "error", Status.WARN: "warning"}
NOTICE = "notice"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, title: str, message: str, file: str | None = None, line: int | None = None) -> str:
    props = [f"title={_escape_prop(title)}"]
    if file:
        props.insert(0, f"file={_escape_prop(file)}")
        if line is not None:
            props.insert(1, f"line={line}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _file_of(sub_path: str, ev: Evidence) -> str | None:
    if not ev.location.path or ev.location.path.startswith("/"):
        return None
    return str(PurePosixPath(sub_path) / ev.location.path)


def values(ev: Evidence) -> str:
    """` (measured X, limit Y)` with only the values that exist; "" when neither does."""
    parts = [f"{name} {value}" for name, value in (("measured", ev.measured), ("limit", ev.limit)) if value is not None]
    return f" ({', '.join(parts)})" if parts else ""


def _result_annotations(sub_path: str, r: CheckResult) -> list[str]:
    title = f"{r.code} {r.slug} ({r.rule})"
    first = r.evidence[0] if r.evidence else None
    where = (_file_of(sub_path, first), first.location.line) if first is not None else (None, None)
    if r.suppressed is not None and r.suppressed.applied:
        return [annotation(NOTICE, title, f"{r.status.value}, {r.suppressed.render()}", *where)]
    level = _LEVEL[r.status]
    out = [] if r.suppressed is None else [annotation(NOTICE, title, r.suppressed.render(), *where)]
    if not r.evidence:
        out.append(annotation(level, title, r.message))
    for ev in r.evidence:
        file, line = _file_of(sub_path, ev), ev.location.line
        if ev.suppressed is not None and ev.suppressed.applied:
            out.append(annotation(NOTICE, title, f"{ev.note}{values(ev)}; {ev.suppressed.render()}", file, line))
        else:
            out.append(annotation(level, title, f"{ev.note}{values(ev)}", file, line))
    return out


def render(report: Report) -> str:
    out = [
        line
        for sub in report.submissions
        for r in sub.results
        if r.status in _LEVEL
        for line in _result_annotations(sub.path, r)
    ]
    return "\n".join(out) + ("\n" if out else "")
