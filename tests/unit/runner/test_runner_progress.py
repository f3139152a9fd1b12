"""Steps reached, steps planned and the stop reason, from the run's own log (the verdict's input)."""

from __future__ import annotations

from pathlib import Path

from pgolf.logs.parser import parse_log
from pgolf.runner.model import StopReason
from pgolf.runner.progress import training_progress

from .runner_fakes import BASELINE_LOG

EXAMPLE = Path(__file__).resolve().parents[3] / "submissions" / "example"


def test_a_run_that_reached_its_iterations() -> None:
    log = parse_log((EXAMPLE / "train_seed42.log").read_text("utf-8"), "train_seed42.log")
    progress = training_progress(log)
    assert progress.stop_reason is StopReason.ITERATIONS
    assert (progress.steps_reached, progress.steps_planned) == (60, 60)
    assert progress.wallclock_cap_s == 25.0


def test_a_run_stopped_by_its_wallclock_cap() -> None:
    progress = training_progress(parse_log(BASELINE_LOG, "output.log"))
    assert progress.stop_reason is StopReason.WALLCLOCK_CAP
    assert (progress.steps_reached, progress.steps_planned) == (33, 200)
    assert progress.stop_text is not None and progress.stop_text.startswith("stopping_early")
    assert progress.stop_line == 8


def test_a_log_cut_short_reports_no_stop() -> None:
    head = "\n".join(BASELINE_LOG.splitlines()[:7])  # up to step 25/200
    progress = training_progress(parse_log(head, "output.log"))
    assert progress.stop_reason is StopReason.NOT_REPORTED
    assert (progress.steps_reached, progress.steps_planned) == (25, 200)


def test_new_format_step_lines_give_the_planned_count() -> None:
    text = "1/4 train_loss: 6.1 train_time: 0.1m tok/s: 10\n4/4 train_loss: 5.0 train_time: 0.4m tok/s: 10\n"
    progress = training_progress(parse_log(text, "output.log"))
    assert progress.stop_reason is StopReason.ITERATIONS
    assert (progress.steps_reached, progress.steps_planned) == (4, 4)
