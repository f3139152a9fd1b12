"""Write a run folder's report files: report.json (RunReport), report.md and report.html."""

from __future__ import annotations

from pathlib import Path

from pgolf.report.build import report_for
from pgolf.report.html import render_html
from pgolf.report.markdown import render_markdown
from pgolf.report.merge import merged_from
from pgolf.report.model import RunReport
from pgolf.runner.model import RunRecord
from pgolf.runner.store import load_run, write_atomic

REPORT_FILES = {"json": "report.json", "md": "report.md", "html": "report.html"}


def write_files(report: RunReport, run_dir: Path, bundle: str | None = None) -> dict[str, Path]:
    """The three report files; `bundle` names the evidence archive written with them, if one is."""
    paths = {kind: run_dir / name for kind, name in REPORT_FILES.items()}
    write_atomic(paths["json"], report.model_dump_json(indent=2) + "\n")
    write_atomic(paths["md"], render_markdown(report))
    write_atomic(paths["html"], render_html(report, bundle))
    return paths


def write_report(
    run_dir: Path, run: RunRecord | None = None, bundle: bool = False
) -> tuple[RunReport, dict[str, Path]]:
    """Build the report of a run folder and write its three files; returns the report and their paths.
    `bundle`: the evidence archive will be written beside them, so the page links it."""
    from pgolf.report.bundle import bundle_path

    report = report_for(run or load_run(run_dir), run_dir, merged_from=merged_from(run_dir))
    return report, write_files(report, run_dir, bundle_path(run_dir, report).name if bundle else None)


def summary_line(report: RunReport, run_dir: Path) -> str:
    """The CLI's last line: the banner's state and reason, and where the report is."""
    return f"{report.name}: {report.verdict.summary} ({run_dir})"


def publish(run_dir: Path, run: RunRecord | None = None, bundle: bool = True) -> tuple[RunReport, dict[str, Path]]:
    """The report files and, unless asked not to, the evidence bundle (`pgolf reproduce`, `pgolf report`)."""
    from pgolf.report.bundle import write_bundle

    run = run or load_run(run_dir)
    report, paths = write_report(run_dir, run, bundle)
    if bundle:
        paths["bundle"] = write_bundle(run_dir, report, run)
    return report, paths
