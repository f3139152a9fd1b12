"""Phase anchors (ENVIRONMENT.md §5.3) from timestamped lines, and external vs script times."""

from __future__ import annotations

import pytest

from pgolf.runner.clock import NS_PER_S
from pgolf.runner.phases import analyse, strip_prefix

from .runner_fakes import BASELINE_LOG, BASELINE_TIMES, stamped

LAUNCH_NS = int(0.5 * NS_PER_S)
EXIT_NS = 18 * NS_PER_S


def test_baseline_phases_follow_the_anchor_table() -> None:
    report = analyse(stamped(BASELINE_LOG, BASELINE_TIMES), 0, LAUNCH_NS, EXIT_NS)
    phases = report.timing.phases
    assert list(phases) == ["setup", "boot", "warmup", "training", "serialization", "eval", "teardown"]
    assert phases["setup"].end_s == pytest.approx(0.5)
    assert phases["boot"].start_s == pytest.approx(0.5)
    assert phases["boot"].end_s == pytest.approx(3.5)  # first warmup step
    assert phases["training"].start_anchor.startswith("step:1/200")
    assert phases["training"].end_anchor.startswith("stopping_early")
    assert phases["training"].duration_s == pytest.approx(15.0 - 5.3)
    assert phases["serialization"].end_anchor.startswith("Total submission size int8+zlib")
    assert phases["eval"].start_s == pytest.approx(15.5)
    assert phases["eval"].end_s == pytest.approx(17.6)  # total_eval_time comes last
    assert phases["teardown"].duration_s == pytest.approx(0.4)


def test_external_times_sit_beside_the_script_times() -> None:
    timing = analyse(stamped(BASELINE_LOG, BASELINE_TIMES), 0, LAUNCH_NS, EXIT_NS).timing
    assert timing.script_train_s == pytest.approx(10.0)
    assert timing.step_avg_s == pytest.approx(0.3)
    # stop line - first step line + one step average (the first line prints after step 1 ran)
    assert timing.external_train_s == pytest.approx(15.0 - 5.3 + 0.3)
    assert timing.train_delta_s == pytest.approx(15.0 - 5.3 + 0.3 - 10.0)
    assert timing.script_eval_s == pytest.approx(2.0)
    assert timing.external_eval_s == pytest.approx(17.5 - 15.5)
    assert timing.script_total_eval_s == pytest.approx(2.0)
    assert timing.wall_s == pytest.approx(18.0)


def test_final_score_is_the_last_non_diagnostic_metric_line() -> None:
    report = analyse(stamped(BASELINE_LOG, BASELINE_TIMES), 0, LAUNCH_NS, EXIT_NS)
    assert report.final_label == "final_int8_zlib_roundtrip_exact"
    assert report.final_bpb == pytest.approx(1.61855567)


MODERN = """\
[rank0]: Hyperparameters:
warmup_step: 1/20
warmup_step: 20/20
1/20000 train_loss: 9.0 train_time: 0.01m tok/s: 100
4000/20000 train_loss: 3.0 train_time: 9.8m tok/s: 100
stopping_early: wallclock_cap train_time: 594600ms step: 4000/20000
GPTQ:collecting Hessians
GPTQ:collected 66 Hessians in 4.0s
Serialized model quantized+brotli: 15900000 bytes
Total submission size quantized+brotli: 15930000 bytes
diagnostic quantized val_loss:2.30 val_bpb:1.0700 eval_time:12000ms
ttt_lora:warming up compile
ttt_lora:compile warmup done (100.0s)
beginning TTT eval timer
quantized_ttt_phased val_loss:2.29 val_bpb:1.0600 eval_time:450000ms
total_eval_time:450.2s
"""
MODERN_TIMES = [30, 40, 100, 110, 700, 705, 705, 709, 790, 790, 810, 811, 911, 912, 1362, 1362.2]


def test_modern_log_has_gptq_ttt_compile_and_a_timed_eval() -> None:
    report = analyse(stamped(MODERN, [float(t) for t in MODERN_TIMES]), 0, 0, 1370 * NS_PER_S)
    phases = report.timing.phases
    assert "setup" not in phases  # no setup steps ran: launch == seed start
    assert phases["gptq"].duration_s == pytest.approx(4.0)
    assert phases["serialization"].start_s == pytest.approx(709)  # after the Hessians
    assert phases["ttt_compile"].duration_s == pytest.approx(100)
    assert phases["eval"].start_anchor == "beginning TTT eval timer"  # not the diagnostic eval
    assert report.timing.external_eval_s == pytest.approx(450)
    assert report.timing.script_eval_s == pytest.approx(450)
    assert report.timing.step_avg_s == pytest.approx(594.6 / 4000)  # the stop line's train time per step
    assert report.final_label == "quantized_ttt_phased"
    # the script's own figure sits beside each phase it times
    assert phases["gptq"].script_s == pytest.approx(4.0) and phases["gptq"].delta_s == pytest.approx(0.0)
    assert phases["ttt_compile"].script_s == pytest.approx(100.0)
    assert phases["eval"].script_s == pytest.approx(450.2)
    assert phases["training"].script_s == pytest.approx(594.6)


RESERVE_BEFORE_TRAINING = """\
Hyperparameters:
train_shards: 80
gptq:reserving 0s, effective=39500ms
warmup_cu_buckets:64,128,192,256 iters_each:3
warmup_step: 1/20
warmup_step: 20/20
0/20000 val_loss: 9.0094 val_bpb: 4.1166
1/20000 train_loss: 9.0 train_time: 0.0m tok/s: 100
80/20000 val_loss: 6.0 val_bpb: 3.6
stopping_early: wallclock_cap train_time: 40012ms step: 80/20000
GPTQ:collecting Hessians from calibration data...
GPTQ:collected 67 Hessians in 2.8s
Total submission size quantized+pergroup: 4000000 bytes
ttt_lora:warming up compile (random tokens, no val data)
ttt_lora:compile warmup done (12.0s)
beginning TTT eval timer
quantized_ttt_phased val_loss:8.3 val_bpb:3.60728041 eval_time:88100ms
total_eval_time:88.1s
"""
RESERVE_TIMES = [5, 5, 6, 10, 20, 60, 100, 101, 139.5, 140, 145, 147.8, 160, 161, 173, 174, 262.1, 262.1]


def test_the_gptq_reserve_line_before_training_does_not_open_the_gptq_phase() -> None:
    """#2135 prints `gptq:reserving ...` before training: GPTQ is the Hessian collection after it."""
    report = analyse(stamped(RESERVE_BEFORE_TRAINING, RESERVE_TIMES), 0, 0, 265 * NS_PER_S)
    phases = report.timing.phases
    assert phases["gptq"].start_anchor.startswith("GPTQ:collecting")
    assert phases["gptq"].duration_s == pytest.approx(2.8) and phases["gptq"].script_s == pytest.approx(2.8)
    assert phases["boot"].end_s == pytest.approx(10)  # the first warmup line
    assert phases["training"].start_anchor.startswith("0/20000 val_loss")  # the script's timer starts here
    assert phases["training"].duration_s == pytest.approx(40.0) and report.timing.script_train_s == pytest.approx(
        40.012
    )
    assert report.timing.external_train_s == pytest.approx(40.0)
    assert phases["eval"].duration_s == pytest.approx(88.1) and report.timing.external_eval_s == pytest.approx(88.1)
    assert report.final_bpb == pytest.approx(3.60728041)


def test_a_crash_leaves_training_open_until_exit_and_no_score() -> None:
    lines = stamped("Hyperparameters:\nstep:1/200 train_loss:6.0 train_time:1ms step_avg:1.00ms\nTraceback", [1, 2, 3])
    report = analyse(lines, 0, 0, 4 * NS_PER_S)
    assert report.timing.phases["training"].end_anchor == "exit"
    assert report.timing.phases["training"].end_s == pytest.approx(4)
    assert report.final_bpb is None
    assert report.timing.external_train_s is None


def test_our_notes_and_code_dump_lines_are_never_anchors() -> None:
    text = '[pgolf] stopping_early: fake\nlog0(f"stopping_early: wallclock_cap train_time:{t}ms")'
    report = analyse(stamped(text, [1, 2]), 0, 0, 3 * NS_PER_S)
    assert "train_stop" not in report.anchors


def test_phase_at_names_gaps_after_a_phase() -> None:
    report = analyse(stamped(BASELINE_LOG, BASELINE_TIMES), 0, LAUNCH_NS, EXIT_NS)
    assert report.phase_at(0.1) == "setup"
    assert report.phase_at(10.0) == "training"
    assert report.phase_at(15.2) == "serialization"
    assert report.phase_at(4.5) == "after_warmup"  # between the last warmup step and step 1
    assert report.train_stop_s == pytest.approx(15.0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1776144156.999 quantized_ttt_phased x", "quantized_ttt_phased x"),
        ("2026-05-02T10:00:00.123456789Z step:1/2 train_loss:1", "step:1/2 train_loss:1"),
        ("[rank0]: stopping_early: x", "stopping_early: x"),
        ("plain", "plain"),
    ],
)
def test_prefixes_are_stripped(line: str, expected: str) -> None:
    assert strip_prefix(line) == expected


FINAL_VALIDATION = """\
step:1/200 train_loss:6.0 train_time:300ms step_avg:300.00ms
step:33/200 train_loss:3.0 train_time:9900ms step_avg:300.00ms
step:33/200 val_loss:2.5 val_bpb:1.6 train_time:9900ms step_avg:300.00ms
stopping_early: wallclock_cap train_time:9900ms step:33/200
Total submission size int8+zlib: 479786 bytes
final_int8_zlib_roundtrip val_loss:2.5 val_bpb:1.6 eval_time:2000ms
"""


def test_training_ends_at_the_last_step_line_not_after_the_final_validation() -> None:
    report = analyse(stamped(FINAL_VALIDATION, [1.0, 10.6, 15.6, 15.6, 16.0, 18.0]), 0, 0, 19 * NS_PER_S)
    training = report.timing.phases["training"]
    assert training.end_anchor.startswith("step:33/200 train_loss")
    assert report.timing.external_train_s == pytest.approx(10.6 - 1.0 + 0.3)
    assert report.timing.script_train_s == pytest.approx(9.9)
    assert report.phase_at(13.0) == "after_training"  # the validation pause is in no phase
    assert report.timing.phases["serialization"].start_anchor.startswith("stopping_early")


ITERATION_CAP = """\
step:1/200 train_loss:6.0 train_time:5ms step_avg:5.00ms
step:200/200 train_loss:1.4 train_time:1035ms step_avg:5.18ms
step:200/200 val_loss:1.4 val_bpb:0.93 train_time:1036ms step_avg:5.18ms
Total submission size int8+zlib: 474762 bytes
final_int8_zlib_roundtrip val_loss:1.4 val_bpb:0.93 eval_time:4ms
"""


def test_at_the_iteration_cap_training_ends_at_the_last_train_step() -> None:
    report = analyse(stamped(ITERATION_CAP, [4.06, 5.09, 5.49, 5.5, 5.51]), 0, 0, 7 * NS_PER_S)
    assert report.timing.phases["training"].end_anchor.startswith("step:200/200 train_loss")
    assert report.timing.script_train_s == pytest.approx(1.036)
    assert report.timing.external_train_s == pytest.approx(5.09 - 4.06 + 0.005)  # plus step 1's own logged 5 ms
    assert report.timing.train_delta_s is not None and abs(report.timing.train_delta_s) < 0.01
