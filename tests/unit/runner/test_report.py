"""pgolf.runner.report on a run folder written with the runner's own models and store."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

import pytest

from checks.fixture_kit import modern_log, submission_json
from pgolf.logs.parser import parse_log
from pgolf.manifest import DatasetSpec, Manifest, SeedClaim
from pgolf.runner.model import (
    Artifacts,
    DataLocation,
    EnvFingerprint,
    ProcessOutcome,
    RunOptions,
    SeedRecord,
    SeedStatus,
    Timing,
    TraceSummary,
)
from pgolf.runner.plan import plan
from pgolf.runner.report import SHIM_BANNER, RunReport, build_report, write_report
from pgolf.runner.report_html import nice_ticks
from pgolf.runner.store import RunStore
from pgolf.schemas import SCHEMAS

CLAIMS = {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776}
T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def _record(spec_seed: int, bpb: float | None, log_rel: str, *, gpus: int = 8) -> SeedRecord:
    text = modern_log(spec_seed, val_bpb=bpb or 1.0, train_time_ms=592_045, eval_time_ms=429_520)
    parsed = parse_log(text, "output.log")
    return SeedRecord(
        pgolf_version="test", name="fixture", run_id="r1", seed=spec_seed, backend="local",
        isolation="local: process group only", status=SeedStatus.OK if bpb else SeedStatus.FAILED,
        exit_code=0 if bpb else 1, started=T0, ended=T0 + dt.timedelta(minutes=25), wall_s=1500.0,
        deadline_s=2400.0, process=ProcessOutcome(exit_code=0 if bpb else 1),
        timing=Timing(wall_s=1500.0, external_train_s=593.1, script_train_s=592.045, external_eval_s=431.0,
                      script_eval_s=429.52, script_total_eval_s=429.5),
        artifacts=Artifacts(code_bytes=31_385, model_bytes=15_920_392, total_bytes=15_951_777, cap_bytes=16_000_000,
                            reported_total_bytes=15_951_777),
        score_bpb=bpb, score_label="quantized_ttt_phased" if bpb else None,
        claim=SeedClaim(val_bpb=CLAIMS[spec_seed], artifact_bytes=15_951_777), parsed_log=parsed,
        fingerprint=EnvFingerprint(gpu_model="NVIDIA H100 80GB HBM3", gpu_count=gpus, torch="2.9.1+cu128",
                                   image="pgolf/pg:cu128-t291", image_digest="sha256:" + "c" * 64),
        trace=TraceSummary(), files={"raw_log": log_rel},
    )  # fmt: skip


def make_run(tmp_path: Path, reproduced: dict[int, float | None], *, gpus: int = 8, shim: bool = False) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "submission.json").write_text(submission_json(CLAIMS), encoding="utf-8")
    manifest = Manifest(
        name="fixture", pr=1855, track="track_10min_16mb", local_folder="src", seeds=list(CLAIMS),
        dataset=DatasetSpec(variant="sp8192_caseops", train_shards=80),
        claims={s: SeedClaim(val_bpb=v, artifact_bytes=15_951_777) for s, v in CLAIMS.items()},
    )  # fmt: skip
    data = DataLocation(variant="sp8192_caseops", dataset_dir=tmp_path / "data")
    options = RunOptions(source_dir=src, data=data, out_dir=tmp_path / "reports", hook_dir=tmp_path / "hook")
    the_plan = plan(manifest, options)
    store = RunStore(the_plan)
    store.open()
    for spec in the_plan.specs:
        if spec.seed not in reproduced:
            continue
        bpb = reproduced[spec.seed]
        text = modern_log(spec.seed, val_bpb=bpb or 1.0)
        spec.raw_log.parent.mkdir(parents=True, exist_ok=True)
        spec.raw_log.write_text((SHIM_BANNER + "\n" if shim else "") + text, encoding="utf-8")
        rel = spec.raw_log.relative_to(the_plan.run_dir).as_posix()
        store.save(_record(spec.seed, bpb, rel, gpus=gpus), spec)
    return the_plan.run_dir


def test_per_seed_and_overall_comparison(tmp_path: Path) -> None:
    reproduced = {42: 1.0612, 314: 1.0609, 1234: 1.0631}
    report = build_report(make_run(tmp_path, dict(reproduced)))
    by_seed = {s.seed: s for s in report.seeds}
    claimed_std = statistics.stdev(CLAIMS.values())
    assert by_seed[42].val_bpb.diff == pytest.approx(1.0612 - CLAIMS[42])
    assert by_seed[42].val_bpb.diff_in_claimed_std == pytest.approx((1.0612 - CLAIMS[42]) / claimed_std)
    assert by_seed[42].train.delta_s == pytest.approx(593.1 - 592.045)
    assert by_seed[42].eval.reported_s == 429.5  # total_eval_time preferred over the line's eval_time
    assert by_seed[42].bytes.claimed == by_seed[42].bytes.measured == 15_951_777
    assert by_seed[42].curve and by_seed[42].curve[0][0] < by_seed[42].curve[-1][0]
    o = report.overall
    assert o.claimed_seeds == o.reproduced_seeds == [42, 314, 1234]
    assert o.val_bpb.diff == pytest.approx(sum(reproduced.values()) / 3 - sum(CLAIMS.values()) / 3)
    assert o.welch is not None and o.paired is not None and 0.0 < o.welch.p < 1.0
    assert report.official and report.pr == 1855 and report.complete and report.passed
    assert report.image_digest == "sha256:" + "c" * 64


def test_a_clearly_worse_reproduction_is_significant(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, {s: v + 0.01 for s, v in CLAIMS.items()}))
    assert report.overall.welch is not None and report.overall.welch.p < 0.001
    assert report.overall.val_bpb.diff_in_claimed_std == pytest.approx(0.01 / statistics.stdev(CLAIMS.values()))


def test_checks_are_rerun_on_the_reproduction_logs(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, {42: 1.0612, 314: 1.0609, 1234: 1.0631}))
    assert report.checks is not None and report.checks_error is None
    assert "reproduction logs" in report.checks.path


def test_missing_seed_and_failed_seed(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, {42: 1.0612, 314: None}))
    by_seed = {s.seed: s for s in report.seeds}
    assert set(by_seed) == {42, 314} and not report.complete and not report.passed
    assert by_seed[314].val_bpb.reproduced is None and by_seed[314].val_bpb.diff is None
    assert report.overall.welch is None and "two seeds on each side" in report.overall.significance_note


def test_shim_and_gpu_count_make_it_non_official(tmp_path: Path) -> None:
    report = build_report(make_run(tmp_path, {42: 1.2, 314: 1.21}, gpus=1, shim=True))
    assert not report.official
    text = " ".join(report.unofficial_reasons)
    assert "shim" in text and "1 GPU(s)" in text


def test_written_files(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, {42: 1.0612, 314: 1.0609, 1234: 1.0631})
    paths = write_report(run_dir)
    assert set(paths) == {"json", "md", "html"} and all(p.parent == run_dir for p in paths.values())
    parsed = RunReport.model_validate(json.loads(paths["json"].read_text("utf-8")))
    assert [s.seed for s in parsed.seeds] == [42, 314, 1234]
    md = paths["md"].read_text("utf-8")
    assert "| 42 | ok | 1.06083 | 1.06120 | +0.00037 |" in md and "## pgolf check on the reproduction's logs" in md
    page = paths["html"].read_text("utf-8")
    assert page.count("<svg") == 2 and page.count("<polyline") == 3 and page.count('class="reproduced"') == 3
    assert "<script" not in page
    assert "run-report" in SCHEMAS


def test_nice_ticks() -> None:
    assert nice_ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(1.0605, 1.0635, 3) == pytest.approx([1.061, 1.062, 1.063])
    assert nice_ticks(5.0, 5.0)  # a flat range still gets a tick
