"""Property tests: `parse_log` and `strip_prefix` never raise, whatever a submitter uploads."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgolf.logs.model import ParsedLog
from pgolf.logs.parser import parse_log
from pgolf.logs.prefix import strip_prefix

# Fragments of real log lines, so generated text reaches the handlers and not only the filters.
FRAGMENTS = [
    "1776144156.999 ",
    "[rank0]:",
    "[modal] ",
    "  ",
    "=" * 100,
    "Hyperparameters:",
    "--- Hyperparameters ---",
    "Source code:",
    "Running Python 3.12.3",
    "  seed: ",
    "seed:",
    "step:",
    "/20000 ",
    "train_loss:",
    "val_loss:",
    " val_bpb:",
    "train_time:",
    "ms step_avg:",
    "m tok/s: ",
    "stopping_early: wallclock_cap train_time:",
    "final_int8_zlib_roundtrip_exact",
    "quantized_ttt_phased",
    "diagnostic quantized",
    " eval_time:",
    "ttt_sliding:done val_loss=",
    " elapsed=",
    "Total submission size int8+zlib: ",
    "Code size (compressed): ",
    " bytes",
    "train_loader:dataset:x train_shards:",
    "val_loader:shards pattern=x tokens:",
    "gptq:reserving 0s, effective=",
    "GPTQ:collected ",
    " Hessians in ",
    "ngram_tilt:hints total=",
    " within_gate=",
    "ngram_tilt:precompute_outside_timer_done elapsed=",
    "| NVIDIA-SMI 575 Driver Version: ",
    "|   0  NVIDIA H100          On  |",
    "max_wallclock_seconds:",
    "world_size:",
    "{",
    "log0(",
    "9" * 30,
    "1.5",
    ".",
    "\n",
    "\r\n",
    "\x00",
    "\ufffd",
]

log_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8), st.integers(0, 10**6).map(str)),
    max_size=80,
).map("".join)


def _check(log: ParsedLog) -> None:
    assert log.line_count >= 0
    if log.final is not None:
        assert any(m.line == log.final.line for m in log.metrics)
    if log.source_dump is not None:
        first, last = log.source_dump
        assert 1 <= first <= last <= log.line_count


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    _check(parse_log(text, "fuzz.log"))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary())
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check(parse_log(data.decode("utf-8", errors="replace"), "fuzz.log"))


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log_text)
def test_log_shaped_text_never_raises(text: str) -> None:
    _check(parse_log(text, "logs/train_seed1.log"))


@settings(max_examples=30, deadline=None)
@given(st.text())
def test_strip_prefix_returns_a_suffix(line: str) -> None:
    assert line.endswith(strip_prefix(line))
