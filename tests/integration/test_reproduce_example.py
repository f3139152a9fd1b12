"""`pgolf reproduce` end to end on the bundled example submission, on CPU, through the local backend.

Each case writes a variant of submissions/example.toml (a test knob in [env], a short budget) and
runs the real CLI: a normal run, a timeout killed cleanly, a crash, an oversize artifact, a resume.
"""

from __future__ import annotations

import _thread
import importlib
import json
import re
import signal
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pgolf.cli import main
from pgolf.runner.model import SeedRecord, SeedStatus, StampedLine
from pgolf.runner.store import load_run
from tests.unit.report.report_kit import parse_page

# the module, not the `reproduce` command that pgolf.cli re-exports under the same name
reproduce_cli = importlib.import_module("pgolf.cli.reproduce")

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TRAIN_STEP = re.compile(r"^step:\d+/\d+ train_loss")
FAST_ENV = {"ITERATIONS": "30", "MAX_WALLCLOCK_SECONDS": "3", "TRAIN_LOG_EVERY": "5", "VAL_LOSS_EVERY": "0"}


def _toml_value(value: Any) -> str:
    return (
        json.dumps(value)
        if not isinstance(value, dict)
        else "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    )


def _manifest(tmp_path: Path, *, seeds: list[int], env: dict[str, str], budget: dict[str, float] | None = None) -> Path:
    base = tomllib.loads((REPO / "submissions" / "example.toml").read_text("utf-8"))
    base.update(seeds=seeds, env={**base["env"], **FAST_ENV, **env})
    if budget is not None:
        base["budget"] = budget
    lines = [f"{k} = {_toml_value(v)}" for k, v in base.items() if not isinstance(v, dict)]
    for table in ("dataset", "env", "budget"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in base[table].items()]
    path = tmp_path / "submissions" / "example.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reproduce(tmp_path: Path, manifest: Path, *extra: str) -> int:
    args = [
        "reproduce",
        str(manifest),
        "--source",
        str(REPO / "submissions" / "example"),
        "--out",
        str(tmp_path / "reports"),
    ]
    return main([*args, "--quiet", *extra])


def _records(tmp_path: Path) -> list[SeedRecord]:
    (run_dir,) = [p for p in (tmp_path / "reports" / "example").iterdir() if p.is_dir()]
    return load_run(run_dir).seeds


def _verdict(tmp_path: Path) -> dict[str, Any]:
    """The report's verdict: the exit code of `pgolf reproduce` is its exit code."""
    (run_dir,) = [p for p in (tmp_path / "reports" / "example").iterdir() if p.is_dir()]
    verdict: dict[str, Any] = json.loads((run_dir / "report.json").read_text("utf-8"))["verdict"]
    return verdict


def test_a_normal_run_scores_and_records_everything(tmp_path: Path) -> None:
    code = _reproduce(tmp_path, _manifest(tmp_path, seeds=[1337], env={}))
    # 30 steps (or fewer, if the 3 s cap stops it) cannot reproduce the claim of a 60-step run
    verdict = _verdict(tmp_path)
    assert code == verdict["exit_code"] and verdict["state"] in ("not_reproduced", "incomplete")
    (record,) = _records(tmp_path)
    assert record.status is SeedStatus.OK and record.passed
    assert record.progress is not None and record.progress.steps_planned == 30
    # the example's own report.html: the verdict banner first, real tables, three figures, no raw Markdown
    (run_dir,) = [p for p in (tmp_path / "reports" / "example").iterdir() if p.is_dir()]
    page = parse_page(run_dir / "report.html")
    assert page.text(".state") == verdict["headline"] and page.text(".reason") == verdict["reasons"][0]
    assert page.count("table") >= 5 and page.count("svg") == 3 and page.count("pre") == 0
    assert [row[0] for row in page.tables[0]] == ["1337"]
    assert record.score_bpb is not None and 0 < record.score_bpb < 10
    assert record.parsed_log is None or record.parsed_log.final is not None
    assert [f.path for f in record.artifacts.files] == ["source/train_gpt.py", "out/artifacts/final_model.int8.ptz"]
    assert record.artifacts.reported_total_bytes == record.artifacts.total_bytes  # the script counts as we do
    timing = record.timing
    assert {"boot", "warmup", "training", "serialization", "eval", "teardown"} <= timing.phases.keys()
    assert timing.script_train_s is not None and timing.external_train_s is not None
    # our clock bounds the script's from above: it also counts the final validation, which the
    # script's timer pauses for (the stop line prints after it)
    assert timing.external_train_s >= timing.script_train_s - 0.5
    assert timing.train_delta_s == pytest.approx(timing.external_train_s - timing.script_train_s, abs=1e-5)
    assert record.trace.hook_active and record.trace.train_shards_after_stop == []
    assert any("fineweb_train_000000.bin" in files for files in record.trace.opens_by_phase.values())
    assert record.trace.sockets == []  # gloo on loopback only
    assert record.fingerprint.torch is not None
    assert not record.process.group_survivors


def test_a_hanging_run_is_killed_at_the_deadline(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path, seeds=[1], env={"PGOLF_EXAMPLE_HANG": "1"}, budget={"train_seconds": 10, "eval_seconds": 10}
    )
    assert _reproduce(tmp_path, manifest, "--slack", "0", "--term-grace", "2") == 5  # incomplete
    assert "timed out" in _verdict(tmp_path)["reason"]
    (record,) = _records(tmp_path)
    assert record.status is SeedStatus.TIMED_OUT and "deadline-exceeded" in record.violations
    assert record.wall_s == pytest.approx(20, abs=5)
    assert record.process.term_sent and not record.process.group_survivors
    hung = any(
        "PGOLF_EXAMPLE_HANG" in line
        for line in (tmp_path / "reports").rglob("output.log").__next__().read_text().splitlines()
    )
    if hung:  # the rank ignored SIGTERM, so only SIGKILL ended it
        assert record.process.kill_sent


def test_a_crash_fails_the_seed(tmp_path: Path) -> None:
    assert _reproduce(tmp_path, _manifest(tmp_path, seeds=[1], env={"PGOLF_EXAMPLE_CRASH_AT_STEP": "1"})) == 5
    (record,) = _records(tmp_path)
    assert record.status is SeedStatus.FAILED and record.exit_code not in (0, None)
    assert record.score_bpb is None
    assert record.timing.phases["training"].end_anchor == "exit"


def test_an_oversize_artifact_is_a_violation(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, seeds=[1], env={"PGOLF_EXAMPLE_PAD_ARTIFACT_BYTES": "16000000"})
    assert _reproduce(tmp_path, manifest) == 1  # not reproduced: a broken limit
    assert "over the 16,000,000 B cap" in _verdict(tmp_path)["reason"]
    (record,) = _records(tmp_path)
    assert record.status is SeedStatus.OK and record.score_bpb is not None
    assert record.violations == ["artifact-too-large"]
    assert record.artifacts.total_bytes > record.artifacts.cap_bytes == 16_000_000


@pytest.mark.timeout(1200)  # three runs of the example (seed 1, seed 2 cut short, seed 2 again)
def test_an_interrupted_reproduction_resumes_at_the_first_unfinished_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest(tmp_path, seeds=[1, 2], env={})
    launches: list[str] = []
    interrupted: list[str] = []

    def interrupt_second_seed(quiet: bool) -> Callable[[StampedLine], None]:
        # Our own launch note tells the seeds apart; counting `step:1/` lines did not (under load
        # the wall-clock cap can stop seed 1 after one step, and its final `step:1/30 val_loss`
        # line then looked like seed 2 starting).
        def sink(line: StampedLine) -> None:
            if line.text.startswith("[pgolf] launch:"):
                launches.append(line.text)
            elif len(launches) == 2 and TRAIN_STEP.match(line.text) and not interrupted:
                interrupted.append(line.text)  # seed 2 is training: Ctrl-C, delivered to the main thread
                _thread.interrupt_main(signal.SIGINT)  # as a terminal's would be (os.kill may pick this thread)

        return sink

    monkeypatch.setattr(reproduce_cli, "_sink", interrupt_second_seed)
    # A shell without job control starts background jobs with SIGINT ignored (nohup, `make test &`, some
    # CI runners): Ctrl-C is what this test simulates, so it gets Python's own handler back.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = _reproduce(tmp_path, manifest)
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.undo()
    assert (len(launches), len(interrupted), code) == (2, 1, 130), (launches, interrupted)
    (run_dir,) = list((tmp_path / "reports" / "example").iterdir())
    assert [r.seed for r in load_run(run_dir).seeds] == [1]
    assert _reproduce(tmp_path, manifest) == _verdict(tmp_path)["exit_code"]
    run = load_run(run_dir)
    assert [r.seed for r in run.seeds] == [1, 2] and run.passed
    assert (run_dir / "seed-2.interrupted-1" / "output.log").is_file()
    assert run.index.seeds[1].interrupted_attempts == 1
