"""Run folders for the report's tests, written with the runner's own models and store (no process), and
an HTML reader for report.html."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from checks.fixture_kit import modern_log, submission_json
from pgolf.logs.parser import parse_log
from pgolf.manifest import DatasetSpec, Manifest, SeedClaim
from pgolf.runner.model import (
    Artifacts,
    DataLocation,
    EnvFingerprint,
    PhaseSpan,
    ProcessOutcome,
    RunOptions,
    SeedRecord,
    SeedStatus,
    Timing,
    TraceSummary,
)
from pgolf.runner.plan import plan
from pgolf.runner.progress import training_progress
from pgolf.runner.store import RunStore

CLAIMS = {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776}
# A #1855-like seed on pgolf's clock: seconds since the seed started
PHASES = {
    "boot": (0, 118), "warmup": (118, 150), "training": (150, 743), "gptq": (746, 750), "serialization": (750, 868),
    "ttt_compile": (868, 977), "eval": (977, 1408), "teardown": (1408, 1415),
}  # fmt: skip
SHIM_BANNER = "pgolf SDPA shim in use"
T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def _phases() -> dict[str, PhaseSpan]:
    return {
        name: PhaseSpan(start_s=a, end_s=b, duration_s=b - a, start_anchor="", end_anchor="")
        for name, (a, b) in PHASES.items()
    }


def seed_record(seed: int, bpb: float | None, log_rel: str, *, gpus: int = 8, **update: Any) -> SeedRecord:
    text = modern_log(seed, val_bpb=bpb or 1.0, train_time_ms=592_045, eval_time_ms=429_520)
    parsed = parse_log(text, "output.log")
    record = SeedRecord(
        pgolf_version="test", name="fixture", run_id="r1", seed=seed, backend="local",
        isolation="local: process group only", status=SeedStatus.OK if bpb else SeedStatus.FAILED,
        exit_code=0 if bpb else 1, started=T0, ended=T0 + dt.timedelta(minutes=25), wall_s=1500.0,
        deadline_s=2400.0, process=ProcessOutcome(exit_code=0 if bpb else 1),
        timing=Timing(wall_s=1500.0, external_train_s=593.1, script_train_s=592.045, external_eval_s=431.0,
                      script_eval_s=429.52, script_total_eval_s=429.5, phases=_phases()),
        artifacts=Artifacts(code_bytes=31_385, model_bytes=15_920_392, total_bytes=15_951_777, cap_bytes=16_000_000,
                            reported_total_bytes=15_951_777),
        score_bpb=bpb, score_label="quantized_ttt_phased" if bpb else None,
        claim=SeedClaim(val_bpb=CLAIMS.get(seed), artifact_bytes=15_951_777), parsed_log=parsed,
        progress=training_progress(parsed),
        fingerprint=EnvFingerprint(gpu_model="NVIDIA H100 80GB HBM3", gpu_count=gpus, torch="2.9.1+cu128",
                                   image="pgolf/pg:cu128-t291", image_digest="sha256:" + "c" * 64, host="node-a"),
        trace=TraceSummary(), files={"raw_log": log_rel},
    )  # fmt: skip
    return record.model_copy(update=update) if update else record


def make_run(
    tmp_path: Path,
    reproduced: dict[int, float | None],
    *,
    gpus: int = 8,
    shim: bool = False,
    claimed_logs: bool = False,
    seeds: list[int] | None = None,
    run_id: str | None = None,
    updates: dict[int, dict[str, Any]] | None = None,
    planned_deviations: list[str] | None = None,
) -> Path:
    """A run folder of the fixture submission (3 claimed seeds) with the given reproduced scores."""
    src = tmp_path / "src"
    if not src.is_dir():
        src.mkdir(parents=True)
        (src / "submission.json").write_text(submission_json(CLAIMS), encoding="utf-8")
        (src / "train_gpt.py").write_text("print('fixture')\n", encoding="utf-8")
        if claimed_logs:
            for seed, claimed in CLAIMS.items():
                (src / f"train_seed{seed}.log").write_text(modern_log(seed, val_bpb=claimed), encoding="utf-8")
    manifest = Manifest(
        name="fixture", pr=1855, track="track_10min_16mb", local_folder="src", seeds=list(CLAIMS),
        dataset=DatasetSpec(variant="sp8192_caseops", train_shards=80),
        claims={s: SeedClaim(val_bpb=v, artifact_bytes=15_951_777) for s, v in CLAIMS.items()},
    )  # fmt: skip
    data = DataLocation(variant="sp8192_caseops", dataset_dir=tmp_path / "data")
    options = RunOptions(
        source_dir=src, data=data, out_dir=tmp_path / "reports", hook_dir=tmp_path / "hook", seeds=seeds, run_id=run_id,
        profile="smoke" if planned_deviations else "official", deviations=planned_deviations or [],
    )  # fmt: skip
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
        record = seed_record(spec.seed, bpb, rel, gpus=gpus, **(updates or {}).get(spec.seed, {}))
        store.save(record, spec)
    return the_plan.run_dir


class Page(HTMLParser):
    """The elements a reviewer relies on, collected from report.html."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_in: dict[str, list[str]] = {}
        self.all_text: list[str] = []
        self.tables: list[list[list[str]]] = []  # table -> body row -> cell text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        self.stack.append((tag, attributes))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and any(t == "tbody" for t, _ in self.stack):
            self.tables[-1].append([])
        elif tag == "td" and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("")

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.all_text.append(data)
        if any(t == "td" for t, _ in self.stack) and self.tables and self.tables[-1] and self.tables[-1][-1]:
            self.tables[-1][-1][-1] += data
        for tag, attributes in self.stack:
            for key in (tag, *(f".{c}" for c in attributes.get("class", "").split()), f"#{attributes.get('id', '')}"):
                self.text_in.setdefault(key, []).append(data)

    def text(self, key: str) -> str:
        return "".join(self.text_in.get(key, []))

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def parse_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    return page
