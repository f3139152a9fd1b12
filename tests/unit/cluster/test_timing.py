"""Per-seed phase times read from logs with the repository's own parser (the cost plan's input)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.cluster.timing import from_folders, main, seed_times, summarize
from pgolf.logs.parser import parse_log

# The lines a #1868-style compliance rerun prints (the shapes of a real log; the numbers too).
RERUN_LOG = """\
Hyperparameters:
  seed: 314
  world_size: 8
1/20000 train_loss: 9.0121 train_time: 0.1m tok/s: 1000
stopping_early: wallclock_cap train_time: 592045ms step: 4921/20000
GPTQ:collected 67 Hessians in 3.8s
serialize_wallclock: 81.356s
artifact_production_wallclock: 844.584s (must be < 600.0)
diagnostic pre-quantization post-ema val_loss:2.33020168 val_bpb:1.06474209 eval_time:9082ms
diagnostic quantized val_loss:2.34967561 val_bpb:1.07364034 eval_time:11036ms
ttt_lora:compile warmup done (108.7s)
quantized_ttt_phased val_loss:2.32165882 val_bpb:1.06090748 eval_time:429520ms
total_eval_time:429.5s
"""


def test_a_rerun_log_states_every_phase() -> None:
    row = seed_times(parse_log(RERUN_LOG, "train_seed314_rerun.log"), "x")
    assert row is not None
    assert row.train_s == pytest.approx(592.045)
    assert row.gptq_hessians_s == pytest.approx(3.8)
    assert row.serialize_s == pytest.approx(81.356)
    assert row.start_s == pytest.approx(844.584 - 592.045 - 3.8 - 81.356)
    assert row.diagnostics_s == pytest.approx(20.118)
    assert row.ttt_compile_s == pytest.approx(108.7)
    assert row.eval_s == pytest.approx(429.5)


def test_logs_without_training_or_of_another_size_are_left_out() -> None:
    assert (
        seed_times(parse_log("quantized_ttt_phased val_loss:2.3 val_bpb:1.06 eval_time:429520ms\n", "e.log"), "")
        is None
    )
    four = RERUN_LOG.replace("world_size: 8", "world_size: 4")
    assert seed_times(parse_log(four, "t.log"), "") is None


def test_summary_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "records" / "2026-04-29_X"
    folder.mkdir(parents=True)
    (folder / "train_seed314.log").write_text(RERUN_LOG, "utf-8")
    (folder / "train_seed42.log").write_text(RERUN_LOG.replace("592045ms", "598000ms"), "utf-8")
    rows = from_folders([tmp_path / "records"])
    stats = {s.phase: s for s in summarize(rows)}
    assert stats["train_s"].n == 2 and stats["train_s"].median == pytest.approx((592.045 + 598.0) / 2)
    assert main([str(tmp_path / "records")]) == 0
    assert "2 training logs on 8 GPUs" in capsys.readouterr().out


CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"


@pytest.mark.corpus
def test_real_records_train_for_the_ten_minutes() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS} (a fresh clone has no ../shared); corpus tests need it")
    rows = from_folders([CORPUS / "main" / "track_10min_16mb"])
    stats = {s.phase: s for s in summarize(rows)}
    assert stats["train_s"].n >= 100 and 580 <= stats["train_s"].median <= 601
    assert stats["serialize_s"].n >= 3 and 60 <= stats["serialize_s"].median <= 150
