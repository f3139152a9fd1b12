"""report.md: the report as GitHub renders it in a PR comment (no HTML, pipes escaped, one fact a line)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from pgolf.report import text as t
from pgolf.report.model import RunReport


def inline(value: str) -> str:
    """Text GitHub shows as written: `<submission>` would otherwise be swallowed as an HTML tag."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def cell(value: str) -> str:
    return inline(value).replace("\\", "\\\\").replace("|", "\\|")


def table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Collection[int] | None = None) -> list[str]:
    """A GitHub table; `numeric` columns (default: all but the first) are right-aligned."""
    figures = set(range(1, len(head))) if numeric is None else set(numeric)
    align = ["---:" if i in figures else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _banner(report: RunReport) -> list[str]:
    v = report.verdict
    test = v.test.statement if v.test is not None else t.untested(report)
    lines = [f"> **{v.headline}**: {inline(v.reasons[0] if v.reasons else v.reason)}"]
    lines += [f"> - {inline(r)}" for r in v.reasons[1:]]
    lines += [">", f"> **Test**: {inline(test)}", ">", f"> **Policy**: {inline(t.policy_line(report))}", ">"]
    label = "Official" if report.official else "Non-official"
    lines.append(f"> **{label}**: {t.official_text(report)}")
    lines += [f"> - {d.kind}: {inline(d.detail)}" for d in report.deviations]
    return lines


def _facts(report: RunReport) -> list[str]:
    rows = [
        ("run", f"`{report.run_id}`"),
        ("backend", report.backend),
        ("generated", f"{report.generated:%Y-%m-%d %H:%M} UTC, pgolf {report.pgolf_version}"),
        *t.summary_rows(report),
    ]
    if report.merged_from:
        rows.append(("merged from", ", ".join(f"`{r}`" for r in report.merged_from)))
    src = report.source
    if src.tree_id:
        rows.append(("submission tree", f"`{src.tree_id}`" + (f" (commit `{src.commit}`)" if src.commit else "")))
    return table(["fact", "value"], rows, numeric=())


def _checks(report: RunReport) -> list[str]:
    section = report.checks
    if section.report is None:
        return [f"`pgolf check` could not run on the reproduction's logs: {inline(section.error or '')}"]
    results = t.sorted_results(report)
    shown = [r for r in results if r.status.value in ("error", "fail", "warn")]
    lines = [f"Overall **{section.report.status.value}** ({len(results)} checks, {section.policy} policy).", ""]
    if not shown:
        return [*lines, "No failure or warning."]
    rows = [
        [
            r.status.value.upper(),
            r.code,
            r.rule,
            r.slug,
            r.message,
            "; ".join(t.evidence_text(e) for e in r.evidence[:3]),
        ]
        for r in shown
    ]
    return lines + table(["status", "code", "rule", "check", "finding", "evidence (file:line)"], rows, numeric=())


def _trace(report: RunReport) -> list[str]:
    rows = []
    for s in sorted(report.seeds, key=lambda s: s.seed):
        tr = s.trace
        if tr is None:
            continue
        if not tr.hook_active:
            rows.append([str(s.seed), "not observed", t.DASH, t.DASH, t.DASH])
            continue
        phases = "; ".join(f"{phase}: {len(files)}" for phase, files in sorted(tr.opens_by_phase.items()))
        late = ", ".join(sorted({a.path for a in tr.train_shards_after_stop})) or "none"
        rows.append([str(s.seed), f"{tr.processes} process(es)", phases or "none", late, str(len(tr.sockets))])
    head = ["seed", "hook", "files opened per phase", "train shards after the stop", "non-loopback network events"]
    return table(head, rows, numeric=())


def render_markdown(report: RunReport) -> str:
    title = f"# Reproduction of {report.name}" + (f" (PR #{report.pr})" if report.pr else "")
    seeds = sorted(report.seeds, key=lambda s: s.seed)
    not_counted = [f"- {inline(s.admission.reason)}" for s in seeds if not s.admission.counted and s.admission.reason]
    env = report.environment
    env_head = ["item", "declared", "where", *[t.machine_label(i, m) for i, m in enumerate(env.machines)], "status"]
    notes = [f"- seed {s.seed}: {e}" for s in seeds for e in [*s.violations, *s.evidence]] + [
        f"- {n}" for n in report.notes
    ]
    lines = [
        title,
        "",
        *_banner(report),
        "",
        *_facts(report),
        "",
        "## Per seed",
        "",
        *table(t.SCORE_HEAD, (t.score_row(s) for s in seeds), numeric=t.SCORE_NUMERIC),
        "",
        *(["Not counted in the reproduced mean:", "", *not_counted, ""] if not_counted else []),
        "Time in seconds and artifact bytes (as practiced: the logged code size + the model; as written: the",
        "shipped code + the model):",
        "",
        *table(t.LIMITS_HEAD, (t.limits_row(s) for s in seeds)),
        "",
        "Phases, seconds on pgolf's clock (the script's own figure where it prints one):",
        "",
        *table(*t.phase_table(seeds)),
        "",
        "## Environment",
        "",
        *table(env_head, (t.env_cells(r) for r in env.rows), numeric=()),
        "",
        *[f"- seed {s.seed} isolation: {inline(s.isolation)}" for s in seeds if s.isolation],
        "",
        "## pgolf check on the reproduction's logs",
        "",
        *_checks(report),
        "",
        "## Data access and network",
        "",
        *_trace(report),
        "",
    ]
    if notes:
        lines += ["## Notes", "", *notes, ""]
    lines += ["Figures, the full trace and every finding: `report.html` beside this file.", ""]
    return "\n".join(lines)
