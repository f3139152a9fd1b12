"""report.html: one self-contained page (no script, no external asset) a reviewer decides from.

Order: the verdict banner (state, reason, test, policy, official or every deviation), the summary,
the per-seed tables, the figures (pgolf.report.plots), the environment side by side, the
`pgolf check` findings, the data-access trace, notes and the run's files. Tables are real tables,
sorted (seeds ascending, findings by severity); text is text, figures carry titles and
descriptions; the layout reads at 1400 px and on a phone.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence
from pathlib import PurePosixPath

from pgolf.findings import CheckResult
from pgolf.report import text as t
from pgolf.report.model import RunReport, SeedReport
from pgolf.report.plots import PlotsUnavailable, figures


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(
    caption: str, head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Collection[int] | None = None
) -> str:
    """A captioned table; `numeric` columns (default: all but the first) are right-aligned figures."""
    figures = set(range(1, len(head))) if numeric is None else set(numeric)

    def cell(i: int, value: str, tag: str) -> str:
        cls = ' class="num"' if i in figures else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{cls}{scope}>{esc(value)}</{tag}>"

    head_html = "".join(cell(i, h, "th") for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(cell(i, v, "td") for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (
        f'<div class="scroll"><table><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def banner(report: RunReport) -> str:
    v = report.verdict
    more = "".join(f"<li>{esc(r)}</li>" for r in v.reasons[1:])
    test = v.test.statement if v.test is not None else t.untested(report)
    deviations = "".join(f"<li><strong>{esc(d.kind)}</strong>: {esc(d.detail)}</li>" for d in report.deviations)
    official = t.official_text(report)
    return (
        f'<section class="banner banner-{esc(v.state)}" aria-labelledby="verdict-state">'
        f'<p class="state" id="verdict-state">{esc(v.headline)}</p>'
        f'<p class="reason">{esc(v.reasons[0] if v.reasons else v.reason)}</p>'
        + (f'<ul class="more">{more}</ul>' if more else "")
        + f'<p class="line"><span class="label">Test</span> {esc(test)}</p>'
        f'<p class="line"><span class="label">Policy</span> {esc(t.policy_line(report))}</p>'
        f'<p class="line"><span class="label">{"Official" if report.official else "Non-official"}</span> '
        f"{esc(official)}</p>" + (f'<ul class="deviations">{deviations}</ul>' if deviations else "") + "</section>"
    )


def summary(report: RunReport) -> str:
    checks = report.checks.report
    rows = t.summary_rows(report)
    rows.append(("pgolf check", checks.status.value if checks is not None else f"did not run: {report.checks.error}"))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<section id="summary"><h2>Summary</h2><dl class="facts">{items}</dl></section>'


def seed_tables(report: RunReport) -> str:
    seeds = sorted(report.seeds, key=lambda s: s.seed)
    reasons = "".join(
        f"<li>{esc(s.admission.reason)}</li>" for s in seeds if not s.admission.counted and s.admission.reason
    )
    return (
        '<section id="seeds"><h2>Per seed</h2>'
        + table(
            "val_bpb and training progress (Δ = reproduced − claimed; positive is worse)",
            t.SCORE_HEAD,
            (t.score_row(s) for s in seeds),
            numeric=t.SCORE_NUMERIC,
        )
        + (f'<p>Not counted in the reproduced mean:</p><ul class="reasons">{reasons}</ul>' if reasons else "")
        + table(
            "Time (s: measured by pgolf, logged by the script, the plan's budget) and artifact bytes (measured "
            "as practiced: logged code size + model; as written: shipped code + model)",
            t.LIMITS_HEAD,
            (t.limits_row(s) for s in seeds),
        )
        + table("Phases, seconds on pgolf's clock (the script's own figure where it prints one)", *t.phase_table(seeds))
        + "</section>"
    )


def plots(report: RunReport) -> str:
    try:
        drawn = figures(report)
    except PlotsUnavailable as exc:
        return f'<section id="plots"><h2>Figures</h2><p>{esc(exc)}</p></section>'
    captions = {
        "loss": "Training loss against the script's training clock: this run (solid) over the submission's own log "
        "(dashed), per seed.",
        "bpb": "val_bpb per seed: claimed (hollow) and reproduced (filled; a cross when the seed did not finish), "
        "with the claimed mean ± one claimed std and the verdict's tolerance.",
        "phases": "Phases per seed on pgolf's clock, and where the train and eval budgets end.",
    }
    parts = []
    for key, svg in drawn.items():
        body = svg if svg is not None else "<p>Nothing to draw: the logs hold no such data.</p>"
        parts.append(f'<figure id="figure-{key}">{body}<figcaption>{esc(captions[key])}</figcaption></figure>')
    return f'<section id="plots"><h2>Figures</h2>{"".join(parts)}</section>'


def environment(report: RunReport) -> str:
    env = report.environment
    head = [
        "item",
        "declared by the submission",
        "where",
        *[t.machine_label(i, m) for i, m in enumerate(env.machines)],
        "status",
    ]
    rows = [t.env_cells(r) for r in env.rows]
    return (
        '<section id="environment"><h2>Environment</h2>'
        + table("What the submission declares vs what this reproduction ran on", head, rows, numeric=())
        + "</section>"
    )


_CHECKS_TITLE = "pgolf check on the reproduction&#39;s logs"


def checks(report: RunReport) -> str:
    section = report.checks
    if section.report is None:
        return f'<section id="checks"><h2>{_CHECKS_TITLE}</h2><p>Could not run: {esc(section.error)}</p></section>'
    results = t.sorted_results(report)
    shown = [r for r in results if r.status.value in ("error", "fail", "warn")]
    rest = [r for r in results if r not in shown]

    def rows(items: Sequence[CheckResult]) -> str:
        out = []
        for r in items:
            evidence = "".join(f"<li>{esc(t.evidence_text(e))}</li>" for e in r.evidence)
            out.append(
                f'<tr class="status-{esc(r.status.value)}"><td>{esc(r.status.value.upper())}</td><td>{esc(r.code)}</td>'
                f"<td>{esc(r.rule)}</td><td>{esc(r.slug)}</td><td>{esc(r.message)}"
                + (f'<div class="policies">{esc(t.policy_text(r))}</div>' if r.verdicts else "")
                + f'</td><td><ul class="evidence">{evidence}</ul></td></tr>'
            )
        return "".join(out)

    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("status", "code", "rule", "check", "finding", "evidence (file:line)")
    )
    table_html = (
        '<div class="scroll"><table class="findings"><caption>Findings, most severe first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows(shown) or '<tr><td colspan=6>no failure or warning</td></tr>'}"
        "</tbody></table></div>"
    )
    rest_html = (
        f"<details><summary>{len(rest)} checks passed or were skipped</summary>"
        f'<div class="scroll"><table class="findings"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows(rest)}</tbody></table></div></details>"
        if rest
        else ""
    )
    return (
        f'<section id="checks"><h2>{_CHECKS_TITLE}</h2>'
        f"<p>Overall <strong>{esc(section.report.status.value)}</strong> on {esc(section.report.path)}: "
        f"{len(results)} checks.</p>{table_html}{rest_html}</section>"
    )


def _trace_seed(seed: SeedReport) -> str:
    tr = seed.trace
    if tr is None:
        return ""
    if not tr.hook_active:
        unseen = "The audit hook wrote no trace: data access and network use were not observed."
        return f"<h3>seed {seed.seed}</h3><p>{unseen}</p>"
    flags = []
    if tr.train_shards_after_stop:
        flags.append(
            "training shards opened after the training stop: "
            + ", ".join(sorted({a.path for a in tr.train_shards_after_stop}))
        )
    if tr.val_opened_in_training:
        flags.append(
            f"validation files opened during training: {len({a.path for a in tr.val_opened_in_training})} file(s)"
        )
    flags.append(f"{len(tr.sockets)} non-loopback network event(s); {tr.loopback_connects} loopback")
    if tr.first_opens:
        opens = table(
            f"seed {seed.seed}: first open of each file in each phase",
            ["t (s)", "phase", "file", "rank"],
            ([t.seconds(a.t_s), a.phase, a.path, a.rank or t.DASH] for a in tr.first_opens),
            numeric=(0,),
        )
    else:  # records written before first opens were kept: files per phase, no times
        per_phase = ([phase, ", ".join(files)] for phase, files in sorted(tr.opens_by_phase.items()))
        opens = table(f"seed {seed.seed}: files opened per phase", ["phase", "files"], per_phase, numeric=())
    sockets = (
        table(
            f"seed {seed.seed}: network use",
            ["t (s)", "phase", "event", "address"],
            ([t.seconds(s.t_s), s.phase, s.event, s.address] for s in tr.sockets),
            numeric=(0,),
        )
        if tr.sockets
        else ""
    )
    listed = "".join(f"<li>{esc(f)}</li>" for f in flags)
    count = len(tr.first_opens)
    wrapped = f"<details><summary>{count} first opens (file, phase)</summary>{opens}</details>" if count > 12 else opens
    return f"<h3>seed {seed.seed}</h3><p>{tr.processes} process(es) traced.</p><ul>{listed}</ul>{wrapped}{sockets}"


def trace(report: RunReport) -> str:
    body = "".join(_trace_seed(s) for s in sorted(report.seeds, key=lambda s: s.seed))
    return f'<section id="trace"><h2>Data access and network, per phase</h2>{body or "<p>No seed ran.</p>"}</section>'


def notes(report: RunReport) -> str:
    items = [
        f"seed {s.seed}: {e}" for s in sorted(report.seeds, key=lambda s: s.seed) for e in [*s.violations, *s.evidence]
    ]
    items += report.notes
    src = report.source
    source = (
        f"git tree {src.tree_id} ({src.files} files, {src.bytes:,} bytes)"
        + (f", commit {src.commit}" if src.commit else "")
        + (f", folder {src.records_folder}" if src.records_folder else "")
        if src.tree_id
        else f"unknown: {src.note}"
    )
    listed = "".join(f"<li>{esc(i)}</li>" for i in items) or "<li>no note from the runner or the report</li>"
    return (
        f'<section id="notes"><h2>Provenance and notes</h2><p>Submission as run: {esc(source)}.'
        + (f" Not copied into the run folder (too large): {esc(', '.join(src.not_copied))}." if src.not_copied else "")
        + f"</p><ul>{listed}</ul></section>"
    )


def files(report: RunReport, bundle: str | None) -> str:
    links = [("report.json", "report.json"), ("report.md", "report.md")]
    if bundle:  # linked only when written with this report: a --no-bundle run has none, or an older one
        links.append((f"evidence bundle ({bundle})", bundle))
    for s in sorted(report.seeds, key=lambda s: s.seed):
        for role, path in sorted(s.files.items()):
            if role != "trace_dir":
                links.append((f"seed {s.seed} {role.replace('_', ' ')}", path))
        if "raw_log" in s.files:  # the record sits beside the seed's output
            links.append((f"seed {s.seed} record", str(PurePosixPath(s.files["raw_log"]).with_name("record.json"))))
    items = "".join(f'<li><a href="{esc(path)}">{esc(label)}</a></li>' for label, path in links)
    return f'<section id="files"><h2>Files of this run</h2><ul class="files">{items}</ul></section>'


_NAV = (
    ("summary", "Summary"),
    ("seeds", "Per seed"),
    ("plots", "Figures"),
    ("environment", "Environment"),
    ("checks", "Checks"),
    ("trace", "Data access"),
    ("notes", "Provenance"),
    ("files", "Files"),
)

_STYLE = """
:root { color-scheme: light; --fg: #1b1b1b; --muted: #555; --line: #d0d7de; --zebra: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--fg);
       margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1320px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; } h2 { font-size: 1.25rem; margin: 2rem 0 .5rem;
     border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
.meta { color: var(--muted); margin: 0 0 1rem; overflow-wrap: anywhere; }
.banner { border: 2px solid; border-left-width: 10px; border-radius: 6px; padding: .9rem 1.2rem; margin: 1rem 0; }
.banner p { margin: .3rem 0; overflow-wrap: anywhere; } .banner ul { margin: .3rem 0 .3rem 1.2rem; padding: 0; }
.banner .state { font-size: 1.9rem; font-weight: 800; letter-spacing: .04em; margin: 0; }
.banner .reason { font-size: 1.1rem; font-weight: 600; }
.banner .label { display: inline-block; min-width: 7.5rem; font-weight: 700; }
.banner-reproduced { background: #e8f5e9; border-color: #1b5e20; } .banner-reproduced .state { color: #1b5e20; }
.banner-not_reproduced { background: #fdecea; border-color: #b3261e; } .banner-not_reproduced .state { color: #b3261e; }
.banner-incomplete { background: #fff4e0; border-color: #8a5300; } .banner-incomplete .state { color: #7a4a00; }
nav ul { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .9rem; min-width: 60%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; vertical-align: top; text-align: left; }
th { background: #eef1f4; } tbody tr:nth-child(even) { background: var(--zebra); }
.num { text-align: right; font-variant-numeric: tabular-nums; } td.num { white-space: nowrap; }
.findings td:nth-child(5) { min-width: 18rem; } .findings td:nth-child(6) { min-width: 16rem; font-size: .85rem; }
.status-fail td:first-child, .status-error td:first-child { color: #b3261e; font-weight: 700; }
.status-warn td:first-child { color: #7a4a00; font-weight: 700; }
.policies { color: var(--muted); font-size: .85rem; }
ul.evidence { margin: 0; padding-left: 1rem; overflow-wrap: anywhere; }
figure { margin: 1rem 0 1.5rem; max-width: 900px; } figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .9rem; }
details { margin: .5rem 0; } summary { cursor: pointer; }
@media (max-width: 700px) {
  body { padding: 1rem .75rem 2rem; font-size: 14px; }
  .banner { padding: .7rem .8rem; } .banner .state { font-size: 1.5rem; }
  .banner .label { min-width: 0; margin-right: .4rem; }
  .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: .4rem; }
  caption { position: sticky; left: 0; max-width: calc(100vw - 1.5rem); }  /* readable while the table scrolls */
}
"""


def render_html(report: RunReport, bundle: str | None = None) -> str:
    """The page; `bundle` is the file name of the evidence archive written with it (None: no link)."""
    title = f"Reproduction of {report.name}" + (f" (PR #{report.pr})" if report.pr else "")
    meta = (
        f"run {report.run_id} · backend {report.backend} · generated {report.generated:%Y-%m-%d %H:%M} UTC"
        f" · pgolf {report.pgolf_version}"
        + (f" · merged from {', '.join(report.merged_from)}" if report.merged_from else "")
    )
    nav = "".join(f'<li><a href="#{key}">{label}</a></li>' for key, label in _NAV)
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(report.verdict.headline)}: {esc(title)}</title><style>{_STYLE}</style></head><body><main>",
            f'<header><h1>{esc(title)}</h1><p class="meta">{esc(meta)}</p>'
            + (f'<p class="meta">{esc(report.title)}</p>' if report.title else "")
            + "</header>",
            banner(report),
            f'<nav aria-label="sections"><ul>{nav}</ul></nav>',
            summary(report),
            seed_tables(report),
            plots(report),
            environment(report),
            checks(report),
            trace(report),
            notes(report),
            files(report, bundle),
            "</main></body></html>",
            "",
        ]
    )
