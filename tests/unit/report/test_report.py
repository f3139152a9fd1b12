"""The report of a run folder: comparisons, verdict, deviations, and the structure of the written files."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from pgolf.report.build import build_report
from pgolf.report.model import RunReport
from pgolf.report.plots import thin
from pgolf.report.write import write_report
from pgolf.runner.model import Artifacts, SeedStatus
from pgolf.schemas import SCHEMAS, generate, schema_text

from .report_kit import CLAIMS, make_run, parse_page

CLOSE = {42: 1.0612, 314: 1.0609, 1234: 1.0631}


def test_per_seed_and_overall_comparison(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, dict(CLOSE)))
    by_seed = {s.seed: s for s in report.seeds}
    claimed_std = statistics.stdev(CLAIMS.values())
    assert by_seed[42].val_bpb.diff == pytest.approx(1.0612 - CLAIMS[42])
    assert by_seed[42].val_bpb.diff_in_claimed_std == pytest.approx((1.0612 - CLAIMS[42]) / claimed_std)
    assert by_seed[42].train.delta_s == pytest.approx(593.1 - 592.045) and by_seed[42].train.budget_s == 600
    assert by_seed[42].eval.logged_s == 429.5  # total_eval_time preferred over the line's eval_time
    assert by_seed[42].bytes is not None and by_seed[42].bytes.claimed == by_seed[42].bytes.measured == 15_951_777
    assert by_seed[42].curve and by_seed[42].curve[0].t_s < by_seed[42].curve[-1].t_s
    assert by_seed[42].progress is not None and by_seed[42].progress.steps_reached == 4921
    o = report.overall
    assert o.claimed_seeds == o.reproduced_seeds == [42, 314, 1234]
    assert o.val_bpb.diff == pytest.approx(sum(CLOSE.values()) / 3 - sum(CLAIMS.values()) / 3)
    assert o.welch is not None and o.paired is not None and 0.0 < o.welch.p < 1.0
    assert report.verdict.state == "reproduced" and report.official and report.pr == 1855
    assert report.environment.machines[0].fingerprint.image_digest == "sha256:" + "c" * 64


def test_a_failed_seed_never_contributes_to_the_reproduced_mean(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, dict(CLOSE), updates={314: {"status": SeedStatus.TIMED_OUT}})
    report = build_report(run_dir)
    assert report.verdict.state == "incomplete" and "seed 314 timed out" in report.verdict.reason
    assert report.overall.reproduced_seeds == [42, 1234]
    assert report.overall.reproduced_mean == pytest.approx((CLOSE[42] + CLOSE[1234]) / 2)


def test_claimed_curves_and_steps_come_from_the_submission_logs(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, dict(CLOSE), claimed_logs=True))
    seed = next(s for s in report.seeds if s.seed == 42)
    assert seed.claimed_log == "train_seed42.log" and len(seed.claimed_curve) >= 3
    assert seed.claimed_progress is not None and seed.claimed_progress.stop_reason == "wallclock_cap"
    declared = report.environment.declared
    assert declared.torch is not None and declared.torch.value == "2.9.1+cu128"
    assert declared.torch.source.startswith("train_seed")
    torch_row = next(r for r in report.environment.rows if r.item == "torch")
    assert torch_row.status == "match" and torch_row.reproduced == ["2.9.1+cu128"]


def test_shim_and_gpu_count_make_it_non_official(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, {42: 1.2, 314: 1.21}, gpus=1, shim=True))
    assert not report.official
    kinds = {d.kind for d in report.deviations}
    assert {"shim", "gpu"} <= kinds
    assert any("1 GPU(s)" in d.detail for d in report.deviations)
    assert report.environment.machines[0].fa3 == "SDPA shim (pgolf)"


def test_bytes_under_both_policies(tmp_path: Path) -> None:
    """#2135's case: the logged (compressed) code size keeps it under the cap as practiced; the shipped
    191 KB script puts it over as written. The table shows both; the runner's check used the first."""
    artifacts = Artifacts(
        code_bytes=191_274, model_bytes=15_905_667, total_bytes=16_096_941, cap_bytes=16_000_000,
        reported_total_bytes=15_942_822, practiced_bytes=15_942_822, written_bytes=16_096_941,
        exceeds_cap_practiced=False, exceeds_cap_written=True,
    )  # fmt: skip
    run_dir = make_run(tmp_path, dict(CLOSE), updates={42: {"artifacts": artifacts}})
    report, paths = write_report(run_dir)
    seed = next(s for s in report.seeds if s.seed == 42)
    assert seed.bytes is not None and seed.bytes.measured == 15_942_822 and not seed.bytes.exceeds_cap
    row = next(r for r in parse_page(paths["html"]).tables[1] if r[0] == "42")
    assert row[7:] == ["15,942,822", "16,096,941 (over cap)", "15,942,822", "15,951,777", "16,000,000"]
    assert report.verdict.state == "reproduced"


def test_the_plans_profile_and_shim_are_deviations(tmp_path: Path) -> None:
    shim = "flash_attn_interface is pgolf's SDPA shim (docker/shim), not FlashAttention-3"
    run_dir = make_run(tmp_path, dict(CLOSE), planned_deviations=["TTT_BATCH=16 (was 64): fits one GPU", shim])
    report = build_report(run_dir)
    assert not report.official
    listed = [(d.kind, d.detail) for d in report.deviations]
    assert ("profile", "the smoke profile") in listed and ("profile", "TTT_BATCH=16 (was 64): fits one GPU") in listed
    assert ("shim", shim) in listed and len(listed) == 3  # no second budget line, no second shim line
    assert report.verdict.state == "incomplete" and "smoke profile" in report.verdict.reason


def test_the_source_tree_is_identified_and_kept(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, dict(CLOSE))
    report = build_report(run_dir)
    assert report.source.tree_id is not None and len(report.source.tree_id) == 40
    assert (run_dir / "submission" / "submission.json").is_file()
    assert report.source.files == 2


def test_report_json_has_a_committed_schema(tmp_path: Path) -> None:
    _, paths = write_report(make_run(tmp_path, dict(CLOSE)))
    parsed = RunReport.model_validate(json.loads(paths["json"].read_text("utf-8")))
    assert [s.seed for s in parsed.seeds] == [42, 314, 1234]
    assert "run-report" in SCHEMAS and generate("run-report") == schema_text("run-report")


@pytest.mark.parametrize("scores", [CLOSE, {s: v + 0.01 for s, v in CLAIMS.items()}, {42: 1.06, 314: None}])
def test_report_html_structure(tmp_path: Path, scores: dict[int, float | None]) -> None:
    report, paths = write_report(make_run(tmp_path, dict(scores), claimed_logs=True))
    raw = paths["html"].read_text("utf-8")
    page = parse_page(paths["html"])
    # the verdict banner comes first, with the CLI's headline and reason
    first_section = next(a for t, a in page.tags if t == "section")
    assert "banner" in first_section["class"].split()
    assert page.text(".state") == report.verdict.headline
    assert page.text(".reason") == report.verdict.reasons[0]
    assert ("Official" if report.official else "Non-official") in page.text(".banner")
    # real tables with captions and column headers; three figures drawn as inline SVG with titles
    assert page.count("table") >= 5 and page.count("caption") >= 4 and page.count("th") > 20
    assert page.count("figure") == 3 and page.count("svg") == 3 and page.count("figcaption") == 3
    assert page.count("title") == 4  # the page's and one per figure
    # self-contained and no raw Markdown anywhere
    assert page.count("pre") == 0 and page.count("script") == 0 and page.count("link") == 0
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", raw)
    text = "".join(page.all_text)
    assert "|---" not in text and "**" not in text and "\n## " not in text
    # the per-seed tables (the first two) list every planned seed, sorted
    for table in page.tables[:2]:
        assert [row[0] for row in table] == ["42", "314", "1234"]
    counted = {row[0]: row[1] for row in page.tables[0]}
    assert counted == {str(s.seed): ("yes" if s.admission.counted else "no") for s in report.seeds}


def test_report_md_renders_as_github_markdown(tmp_path: Path) -> None:
    report, paths = write_report(make_run(tmp_path, dict(CLOSE)))
    lines = paths["md"].read_text("utf-8").splitlines()
    assert lines[0] == "# Reproduction of fixture (PR #1855)" and lines[1] == ""
    assert lines[2] == f"> **REPRODUCED**: {report.verdict.reasons[0]}"
    for i, line in enumerate(lines):  # every table: a header, an alignment row of the same width, rows
        if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            width = line.count(" | ") + 1
            assert re.fullmatch(r"\|(-{3}:?\|)+", lines[i + 1]), lines[i + 1]
            assert lines[i + 1].count("|") - 1 == width
    text = "\n".join(lines)
    assert not re.search(r"<[A-Za-z/!]", text), "raw HTML-like text: GitHub would swallow it"
    assert "&lt;submission&gt;" in text
    assert "- seed 42 isolation: local: process group only" in lines  # what held each seed (issue 13)
    assert report.seeds[0].isolation == "local: process group only"


def test_thin_keeps_the_ends() -> None:
    from pgolf.report.model import CurvePoint

    points = [CurvePoint(t_s=float(i), loss=float(i)) for i in range(100)]
    kept = thin(points, 10)
    assert len(kept) == 10 and kept[0] == points[0] and kept[-1] == points[-1]
    assert thin(points[:5], 10) == points[:5]


def test_without_matplotlib_the_report_is_written_without_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails, as on a base install
    report, paths = write_report(make_run(tmp_path, dict(CLOSE)))
    page = parse_page(paths["html"])
    assert page.count("svg") == 0 and "matplotlib is not installed" in page.text("#plots")
    assert page.text(".state") == report.verdict.headline == "REPRODUCED"
