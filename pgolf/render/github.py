"""GitHub workflow commands: one ::error/::warning annotation per piece of evidence."""

from __future__ import annotations

from pathlib import PurePosixPath

from pgolf.findings import Evidence, Report, Status

_LEVEL = {Status.FAIL: "error", Status.ERROR: "error", Status.WARN: "warning"}


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


def render(report: Report) -> str:
    out: list[str] = []
    for sub in report.submissions:
        for r in sub.results:
            level = _LEVEL.get(r.status)
            if level is None:
                continue
            title = f"{r.code} {r.slug} ({r.rule})"
            if not r.evidence:
                out.append(annotation(level, title, r.message))
            for ev in r.evidence:
                msg = f"{r.message} — {ev.note}"
                if ev.measured is not None or ev.limit is not None:
                    msg += f" (measured {ev.measured}, limit {ev.limit})"
                out.append(annotation(level, title, msg, _file_of(sub.path, ev), ev.location.line))
    return "\n".join(out) + ("\n" if out else "")
