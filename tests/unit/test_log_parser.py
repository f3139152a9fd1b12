"""The log parser on small hand-written snippets of every log era (ENVIRONMENT.md §3)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pgolf.folder import MAX_TEXT_BYTES, load_folder
from pgolf.logs.collect import read_logs
from pgolf.logs.model import LogRole, MetricLine, ParsedLog, SizeKind
from pgolf.logs.parser import parse_log
from pgolf.logs.prefix import strip_prefix
from pgolf.logs.score import choose_final

RULER = "=" * 100

BASELINE = """\
W0318 14:37:59.159000 871689 site-packages/torch/distributed/run.py:852] *****************************************
logs/hf_verify_sp1024_8gpu.txt
val_bpb:enabled tokenizer_kind=sentencepiece tokenizer_path=/data/tokenizers/fineweb_1024_bpe.model
train_loader:dataset:fineweb10B_sp1024 train_shards:25
val_loader:shards pattern=/data/datasets/fineweb10B_sp1024/fineweb_val_*.bin tokens:63779840
model_params:17059912
world_size:8 grad_accum_steps:1
train_batch_tokens:524288 train_seq_len:1024 iterations:20000 warmup_steps:20 max_wallclock_seconds:600.000
seed:1337
warmup_step:20/20
step:0/20000 val_loss:6.9370 val_bpb:4.0978 train_time:0ms step_avg:0.01ms
step:1/20000 train_loss:6.9357 train_time:29ms step_avg:29.48ms
step:13780/20000 train_loss:2.0712 train_time:600000ms step_avg:43.54ms
step:13780/20000 val_loss:2.0606 val_bpb:1.2204 train_time:600038ms step_avg:43.54ms
stopping_early: wallclock_cap train_time:600038ms step:13780/20000
peak memory allocated: 10184 MiB reserved: 10200 MiB
Serialized model: 67224983 bytes
Code size: 47642 bytes
Total submission size: 67272625 bytes
Serialized model int8+zlib: 15815847 bytes (payload:17178912 raw_torch:17224025 payload_ratio:3.91x)
Total submission size int8+zlib: 15863489 bytes
final_int8_zlib_roundtrip val_loss:2.0727 val_bpb:1.2244 eval_time:1401ms
final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570
"""

SLIDING_WITH_COMPAT = """\
stopping_early: wallclock_cap train_time:600036ms step:7051/9000
Serialized model int6+lzma: 15488433 bytes
Total submission size int6+lzma: 15555017 bytes
final_int6_roundtrip val_loss:1.9310 val_bpb:1.1437 eval_time:5913ms
final_int6_roundtrip_exact val_loss:1.93101468 val_bpb:1.14364089
final_int6_sliding_window val_loss:1.8958 val_bpb:1.1228 stride:64 eval_time:73066ms
final_int6_sliding_window_exact val_loss:1.89576391 val_bpb:1.12278142
final_int8_zlib_roundtrip_exact val_loss:1.89576391 val_bpb:1.12278142
"""

LEGAL_TTT = """\
stopping_early: wallclock_cap train_time:600128ms step:7179/9000
final_int6_sliding_window val_loss:1.8939 val_bpb:1.1217 stride:64 eval_time:74066ms
final_int6_sliding_window_exact val_loss:1.89390000 val_bpb:1.12170000
ttt_sliding:start chunks=1893 chunk_tokens=32768 ttt_epochs=3 freeze_blocks=0
ttt_sliding:done val_loss=1.889768 val_bpb=1.119230 elapsed=409.8s
legal_ttt val_loss:1.8898 val_bpb:1.1192 eval_time:410297ms
legal_ttt_exact val_loss:1.88976812 val_bpb:1.11923015
"""

QUANTIZED_SLIDING = f"""\
{RULER}
Hyperparameters:
  data_dir: ./data/
  datasets_dir: ./data/datasets/fineweb10B_sp8192
  grad_accum_steps: 1
  max_wallclock_seconds: 600.0
  seed: 1337
  world_size: 8
train_shards: 128
val_tokens: 40540160
gptq:reserving 12s, effective=588000ms
1/20000 train_loss: 9.0105 train_time: 0.0m tok/s: 12596538
4800/20000 train_loss: 2.9000 train_time: 9.8m tok/s: 7990000
4832/20000 val_loss: 2.7711 val_bpb: 1.0728
stopping_early: wallclock_cap train_time: 588138ms step: 4832/20000
pre-quantization post-ema val_loss:2.80101000 val_bpb:1.08440000 eval_time:6400ms
GPTQ:collecting Hessians from calibration data...
GPTQ:collected 67 Hessians in 4.1s
Serialized model quantized+brotli: 15970000 bytes
Total submission size quantized+brotli: 15987547 bytes
quantized val_loss:2.82000000 val_bpb:1.09000000 eval_time:9000ms
quantized_sliding_window val_loss:2.80410000 val_bpb:1.08554000 eval_time:84000ms
"""

EPOCH = "1776144156.999"
PHASED = f"""\
{EPOCH} Hyperparameters:
{EPOCH}   datasets_dir: /ws/data/datasets/datasets/fineweb10B_sp8192_caseops
{EPOCH}   max_wallclock_seconds: 600.0
{EPOCH}   seed: 0
{EPOCH}   world_size: 8
{EPOCH} train_shards: 80
{EPOCH} val_tokens: 47851520
{EPOCH} stopping_early: wallclock_cap train_time: 599433ms step: 4932/20000
{EPOCH} diagnostic pre-quantization post-ema val_loss:2.33174699 val_bpb:1.06544819 eval_time:6737ms
{EPOCH} Code size (uncompressed): 157868 bytes
{EPOCH} Code size (compressed): 31999 bytes
{EPOCH} GPTQ:collected 67 Hessians in 4.9s
{EPOCH} Total submission size quantized+pergroup: 15900947 bytes
{EPOCH} diagnostic quantized val_loss:2.35060987 val_bpb:1.07406724 eval_time:11612ms
{EPOCH} ttt_lora:compile warmup done (88.8s)
{EPOCH} ngram_tilt:hints total=47851520 gated=628130 token_gate=628130 within_gate=9 word_gate=0 agree2plus=0
{EPOCH} ngram_tilt:precompute_outside_timer_done elapsed=160.59s total_targets=47851520
{EPOCH} ngram_tilt:using_precomputed_hints total_targets=47851520 (precompute time excluded from eval)
{EPOCH} beginning TTT eval timer
{EPOCH} ttt_phased: total_docs:50000 prefix_docs:2500 suffix_docs:47500 num_phases:3 boundaries:[833, 1666, 2500]
{EPOCH} quantized_ttt_phased val_loss:2.32239991 val_bpb:1.06124613 eval_time:455128ms
{EPOCH} total_eval_time:455.1s
{EPOCH} serialize_wallclock: 80.2s
{EPOCH} artifact_production_wallclock: 912.4s (must be < 600)
"""

OLD_DUMP = f'''\
"""
Training script. Results (kept in the docstring):
quantized_ttt_phased val_loss:0.50000000 val_bpb:0.30000000 eval_time:1ms
train_shards: 999
"""
import torch

def main():
    log0(f"stopping_early: wallclock_cap train_time:{{t}}ms step:{{s}}/{{n}}")
    log0(f"final_int8_zlib_roundtrip val_loss:{{q_val_loss:.4f}} val_bpb:{{q_val_bpb:.4f}}")
log0("final_int8_zlib_roundtrip_exact val_loss:0.1 val_bpb:0.1")
    total_eval_time:1.0s

if __name__ == "__main__":
    main()

{RULER}
Running Python 3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.3.0]
Running PyTorch 2.9.1+cu128
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 575.57.08              Driver Version: 575.57.08      CUDA Version: 12.9     |
|   0  NVIDIA H100 80GB HBM3          On  |   00000000:1B:00.0 Off |                  Off |
|   1  NVIDIA H100 80GB HBM3          On  |   00000000:43:00.0 Off |                  Off |
{RULER}
train_shards: 80
stopping_early: wallclock_cap train_time:600044ms step:8390/9000
final_int8_zlib_roundtrip val_loss:1.9830 val_bpb:1.1744 eval_time:4899ms
final_int8_zlib_roundtrip_exact val_loss:1.98299387 val_bpb:1.17444067
'''

NEW_DUMP = f"""\
{RULER}
Hyperparameters:
  seed: 42
  world_size: 8
{RULER}
Source code:
{RULER}
import os
quantized_ttt_phased val_loss:0.1 val_bpb:0.1 eval_time:1ms
stopping_early: wallclock_cap train_time: 1ms step: 1/1
{RULER}
Running Python 3.10.12 (main, Mar  3 2026, 11:56:32) [GCC 11.4.0]
Running PyTorch 2.9.1+cu128
{RULER}
train_shards: 80
stopping_early: wallclock_cap train_time: 599592ms step: 4945/20000
quantized_ttt_phased val_loss:2.31944212 val_bpb:1.05989454 eval_time:508785ms
"""


def _metric(label: str, loss: float, bpb: float, line: int, *, diagnostic: bool = False) -> MetricLine:
    return MetricLine(label=label, val_loss=loss, val_bpb=bpb, line=line, text=label, diagnostic=diagnostic)


# --- prefixes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1776144156.999 quantized_ttt_phased val_loss:1", "quantized_ttt_phased val_loss:1"),
        ("[rank0]:stopping_early: wallclock_cap", "stopping_early: wallclock_cap"),
        ("[default0]: train_shards: 80", "train_shards: 80"),
        ("[modal] total_eval_time:455.1s", "total_eval_time:455.1s"),
        ("[12:01:02] seed:42", "seed:42"),
        ("2026-04-29 18:14:45+08:00 val_tokens: 1", "val_tokens: 1"),
        ("2026-04-29T18:14:45.123Z [rank3]: world_size:8", "world_size:8"),
        ("[modal-client] 2026-03-22T10:00:00+0000 seed:7", "seed:7"),
        ("1776142360.538   adam_eps: 1e-08", "  adam_eps: 1e-08"),  # indentation survives
        ("4932/20000 val_loss: 2.3570 val_bpb: 1.0770", "4932/20000 val_loss: 2.3570 val_bpb: 1.0770"),
        ("step:1/20 train_loss:6.9", "step:1/20 train_loss:6.9"),
        ("", ""),
    ],
)
def test_strip_prefix(line: str, expected: str) -> None:
    assert strip_prefix(line) == expected


# --- eras -------------------------------------------------------------------------------------


def test_baseline_int8_zlib() -> None:
    log = parse_log(BASELINE, "train.log")
    assert log.final is not None
    assert log.final.label == "final_int8_zlib_roundtrip_exact"
    assert log.final.val_bpb == pytest.approx(1.22436570)
    assert log.final.val_loss == pytest.approx(2.07269931)
    assert log.final.eval_time_ms == 1401  # from the plain sibling: the _exact line prints none
    assert log.final.line == 23
    assert log.final.collapsed_from is None
    assert log.stop is not None
    assert (log.stop.train_time_ms, log.stop.step, log.stop.total_steps) == (600038, 13780, 20000)
    total = log.size(SizeKind.TOTAL)
    assert total is not None and (total.fmt, total.bytes) == ("int8+zlib", 15863489)
    model = log.size(SizeKind.MODEL)
    assert model is not None and model.bytes == 15815847
    code = log.size(SizeKind.CODE)
    assert code is not None and code.bytes == 47642
    assert log.train_shards is not None and log.train_shards.value == 25
    assert log.dataset_path is not None and log.dataset_path.value == "fineweb10B_sp1024"
    assert log.val_tokens is not None and log.val_tokens.value == 63779840
    assert log.world_size is not None and log.world_size.value == 8
    assert log.grad_accum_steps is not None and log.grad_accum_steps.value == 1
    assert log.max_wallclock_seconds is not None and log.max_wallclock_seconds.value == 600.0
    assert log.seed is not None and log.seed.value == 1337 and log.seed_source == "seed line"
    assert log.step_avg_ms == pytest.approx(43.54)
    assert [p.step for p in log.train_curve] == [1, 13780]
    assert [p.val_bpb for p in log.val_curve] == [4.0978, 1.2204]
    assert log.val_curve[-1].train_time_ms == 600038
    assert [m.label for m in log.metrics] == ["final_int8_zlib_roundtrip", "final_int8_zlib_roundtrip_exact"]
    assert log.role is LogRole.TRAIN
    assert log.line_count == 23
    assert log.source_dump is None


def test_an_unsuffixed_total_after_a_compressed_model_line_is_the_artifact_total() -> None:
    """#542 prints `Total submission size: N` (no format) after `Serialized model rdquant+zstd`:
    that total is the compressed artifact's; the one after the raw `Serialized model: N` is not."""
    log = parse_log(
        "Serialized model: 111568154 bytes\n"
        "Code size: 80288 bytes\n"
        "Total submission size: 111648442 bytes\n"
        "Serialized model rdquant+zstd: 16558180 bytes\n"
        "Total submission size: 16638468 bytes\n",
        "train.log",
    )
    total = log.size(SizeKind.TOTAL)
    assert total is not None and (total.bytes, total.line) == (16638468, 5)
    raw_only = parse_log("Serialized model: 111568154 bytes\nTotal submission size: 111648442 bytes\n", "t.log")
    assert raw_only.size(SizeKind.TOTAL) is None


def test_sliding_window_compat_duplicate_collapses() -> None:
    log = parse_log(SLIDING_WITH_COMPAT, "train_seed1337.log")
    final = log.final
    assert final is not None
    assert final.label == "final_int6_sliding_window_exact"
    assert final.collapsed_from == "final_int8_zlib_roundtrip_exact"
    assert final.val_bpb == pytest.approx(1.12278142)
    assert final.eval_time_ms == 73066
    assert final.line == 7
    assert log.seed is not None and log.seed.value == 1337 and log.seed_source == "filename"
    assert log.seed.line == 0


def test_legal_ttt_exact_and_ttt_sliding_elapsed() -> None:
    log = parse_log(LEGAL_TTT, "train_seed42.log")
    assert log.final is not None
    assert log.final.label == "legal_ttt_exact"
    assert log.final.val_bpb == pytest.approx(1.11923015)
    assert log.final.eval_time_ms == 410297
    assert log.final.collapsed_from is None
    done = next(m for m in log.metrics if m.label == "ttt_sliding")
    assert done.eval_time_ms == pytest.approx(409800)
    assert done.val_bpb == pytest.approx(1.119230)
    stride = next(m for m in log.metrics if m.label == "final_int6_sliding_window")
    assert stride.eval_time_ms == 74066


def test_quantized_sliding_window_era() -> None:
    log = parse_log(QUANTIZED_SLIDING, "train_seed1337.log")
    assert log.final is not None
    assert (log.final.label, log.final.eval_time_ms) == ("quantized_sliding_window", 84000)
    flags = {m.label: m.diagnostic for m in log.metrics}
    assert flags == {
        "pre-quantization post-ema": True,
        "quantized": False,
        "quantized_sliding_window": False,
    }
    assert log.hyperparameters["seed"].value == "1337"
    assert log.hyperparameters["seed"].line == 7
    assert log.dataset_path is not None and log.dataset_path.value == "./data/datasets/fineweb10B_sp8192"
    assert log.max_wallclock_seconds is not None and log.max_wallclock_seconds.line == 6
    assert log.world_size is not None and log.world_size.value == 8
    assert log.gptq_reserve_effective_ms is not None and log.gptq_reserve_effective_ms.value == 588000
    assert log.gptq_hessians is not None and log.gptq_hessians.value == 67
    assert log.gptq_hessian_seconds is not None and log.gptq_hessian_seconds.value == 4.1
    assert log.gptq_calibration is not None and "calibration data" in log.gptq_calibration.value
    assert log.stop is not None and log.stop.train_time_ms == 588138
    assert log.step_avg_ms == pytest.approx(588138 / 4832)  # no old-format step_avg: derived
    assert [(p.step, p.train_time_ms) for p in log.train_curve] == [(1, 0.0), (4800, 9.8 * 60_000)]
    assert [(p.step, p.val_bpb) for p in log.val_curve] == [(4832, 1.0728)]
    assert log.train_shards is not None and log.train_shards.value == 128
    assert log.val_tokens is not None and log.val_tokens.value == 40540160


def test_quantized_ttt_phased_with_diagnostics_and_epoch_prefix() -> None:
    log = parse_log(PHASED, "train_seed0.log")
    assert log.final is not None
    assert log.final.label == "quantized_ttt_phased"
    assert log.final.val_bpb == pytest.approx(1.06124613)
    assert log.final.eval_time_ms == 455128
    assert log.final.text.startswith("quantized_ttt_phased ")  # prefix stripped in evidence
    assert [m.label for m in log.metrics if m.diagnostic] == [
        "diagnostic pre-quantization post-ema",
        "diagnostic quantized",
    ]
    assert log.hyperparameters["datasets_dir"].value.endswith("datasets/datasets/fineweb10B_sp8192_caseops")
    assert log.dataset_path is not None and "datasets/datasets" in log.dataset_path.value
    assert log.size(SizeKind.CODE) is not None
    code = log.size(SizeKind.CODE)
    raw_code = log.size(SizeKind.CODE_UNCOMPRESSED)
    assert code is not None and (code.fmt, code.bytes) == ("compressed", 31999)
    assert raw_code is not None and raw_code.bytes == 157868
    assert log.total_eval_time_s is not None and log.total_eval_time_s.value == 455.1
    assert log.ttt_compile_warmup_s is not None and log.ttt_compile_warmup_s.value == 88.8
    assert log.ttt_phased_total_docs is not None and log.ttt_phased_total_docs.value == 50000
    hints = log.ngram_hints
    assert hints is not None
    assert (hints.total, hints.gated, hints.within_gate, hints.word_gate, hints.agree2plus) == (
        47851520,
        628130,
        9,
        0,
        0,
    )
    assert len(log.ngram_precompute) == 1
    pre = log.ngram_precompute[0]
    assert (pre.outside_timer, pre.elapsed_s, pre.total_targets) == (True, 160.59, 47851520)
    assert log.ngram_precompute_excluded is not None and log.ngram_precompute_excluded.line == 18
    assert log.serialize_wallclock_s is not None and log.serialize_wallclock_s.value == 80.2
    assert log.artifact_production_wallclock_s is not None
    assert log.artifact_production_wallclock_s.value == 912.4
    assert log.seed is not None and log.seed.value == 0
    assert log.notes == []


def test_rank_prefixed_lines() -> None:
    text = (
        "[rank0]:world_size:8 grad_accum_steps:1\n"
        "[rank0]:[W318 14:38:18.833454927 Utils.hpp:112] Warning: deprecated\n"
        "[default0]:stopping_early: wallclock_cap train_time:600014ms step:7000/20000\n"
        "[rank0]:final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.2 eval_time:1300ms\n"
    )
    log = parse_log(text, "run.log")
    assert log.world_size is not None and log.world_size.value == 8
    assert log.stop is not None and log.stop.step == 7000
    assert log.final is not None and log.final.eval_time_ms == 1300


def test_old_era_source_dump_is_skipped() -> None:
    log = parse_log(OLD_DUMP, "train_seed1337.log")
    assert log.source_dump == (1, 16)
    assert log.stop is not None and log.stop.train_time_ms == 600044  # not the f-string
    assert [m.label for m in log.metrics] == ["final_int8_zlib_roundtrip", "final_int8_zlib_roundtrip_exact"]
    assert log.final is not None and log.final.val_bpb == pytest.approx(1.17444067)
    assert log.train_shards is not None and log.train_shards.value == 80  # not the docstring's 999
    assert log.total_eval_time_s is None
    assert log.python_version is not None and log.python_version.value == "3.12.3"
    assert log.torch_version is not None and log.torch_version.value == "2.9.1+cu128"
    assert log.driver_version is not None and log.driver_version.value == "575.57.08"
    assert log.cuda_version is not None and log.cuda_version.value == "12.9"
    assert [g.value for g in log.gpu_names] == ["NVIDIA H100 80GB HBM3"] * 2


def test_new_era_source_dump_is_skipped() -> None:
    log = parse_log(NEW_DUMP, "train_seed42.log")
    assert log.source_dump == (6, 10)
    assert log.stop is not None and log.stop.train_time_ms == 599592
    assert [m.line for m in log.metrics] == [17]
    assert log.hyperparameters.keys() == {"seed", "world_size"}
    assert log.python_version is not None and log.python_version.value == "3.10.12"


def test_code_lines_outside_a_dump_are_never_results() -> None:
    text = (
        'log0(f"stopping_early: wallclock_cap train_time:{t}ms step:{s}/{n}")\n'
        "    final_int8_zlib_roundtrip val_loss:1.0 val_bpb:1.0 eval_time:1ms\n"
        'log("quantized_ttt_phased val_loss:1.0 val_bpb:1.0")\n'
        "final_x val_loss:{loss} val_bpb:{bpb}\n"
    )
    log = parse_log(text, "x.log")
    assert log.stop is None
    assert log.metrics == []
    assert log.role is LogRole.UNKNOWN


def test_concatenated_runs_report_the_last_and_note_the_dumps() -> None:
    run = OLD_DUMP
    log = parse_log(run + run.replace("1.98299387", "1.97000000"), "train.log")
    assert log.final is not None and log.final.val_loss == pytest.approx(1.97)
    assert log.source_dump == (1, 16)
    assert any("2 source dumps" in note for note in log.notes)


def test_stop_line_without_step_uses_the_matching_step_line() -> None:
    text = (
        "step:15540/20000 val_loss:2.8381 val_bpb:1.5816 train_time:598686ms\n"
        "stopping_early: wallclock_cap train_time:598686ms\n"
    )
    log = parse_log(text, "x.log")
    assert log.stop is not None and (log.stop.step, log.stop.total_steps) == (15540, 20000)
    assert log.notes and "same train_time" in log.notes[0]
    lone = parse_log("stopping_early: wallclock_cap train_time:598686ms\n", "y.log")
    assert lone.stop is None and "without train time and step count" in lone.notes[0]


def test_seed_sources_and_disagreement() -> None:
    from_block = parse_log("Hyperparameters:\n  seed: 7\n", "train0.txt")
    assert from_block.seed is not None and from_block.seed.value == 7
    assert from_block.seed_source == "hyperparameters" and from_block.seed.line == 2
    clash = parse_log("seed:1337\n", "logs/train_seed_42.txt")
    assert clash.seed is not None and (clash.seed.value, clash.seed_source) == (42, "filename")
    assert clash.notes == ["file name says seed 42 but line 1 says seed 1337"]
    assert parse_log("no seed here\n", "train.log").seed is None


def test_old_hyperparameter_one_liner() -> None:
    text = "--- Hyperparameters ---\ndata_path=./data/datasets/fineweb10B_sp8192 max_wallclock_seconds=0.0 seed=42\n"
    log = parse_log(text, "binary_log.txt")
    assert log.hyperparameters["seed"].value == "42"
    assert log.seed is not None and log.seed_source == "hyperparameters"
    assert log.max_wallclock_seconds is not None and log.max_wallclock_seconds.value == 0.0
    assert log.dataset_path is not None and log.dataset_path.value.endswith("fineweb10B_sp8192")


def test_disputed_families_are_marked_not_dropped() -> None:
    text = (
        "final_int6_sliding_window_exact val_loss:1.90000000 val_bpb:1.12000000\n"
        "final_ngram_exact val_loss:1.50000000 val_bpb:0.90000000\n"
        "ppm_sliding val_loss:1.4 val_bpb:0.8 eval_time:1000ms\n"
    )
    log = parse_log(text, "x.log")
    assert [m.disputed for m in log.metrics] == [False, True, True]
    assert log.final is not None and log.final.label == "ppm_sliding"


def test_gptq_older_formats_and_calibration_hints() -> None:
    old = parse_log("gptq:calibrating with training data...\ngptq:calibrated 68 layers in 4.3s\n", "a.log")
    assert old.gptq_hessians is not None and old.gptq_hessians.value == 68
    assert old.gptq_hessian_seconds is not None and old.gptq_hessian_seconds.value == 4.3
    assert old.gptq_calibration is not None and old.gptq_calibration.line == 1
    ar = parse_log("gptq:generating autoregressive calibration data (64 seqs x 2048 tokens, temp=0.8)...\n", "b.log")
    assert ar.gptq_calibration is not None and "autoregressive" in ar.gptq_calibration.value
    counted = parse_log("gptq:collected hessians for 68 layers\n", "c.log")
    assert counted.gptq_hessians is not None and counted.gptq_hessian_seconds is None


def test_eval_only_log() -> None:
    text = "train_shards: 0\nquantized_ttt_phased val_loss:2.3 val_bpb:1.05 eval_time:526400ms\n"
    log = parse_log(text, "eval_seed0.log")
    assert log.role is LogRole.EVAL_ONLY
    assert log.seed is not None and log.seed.value == 0


def test_reference_folder_role() -> None:
    assert parse_log(BASELINE, "reference/train_seed42.log").role is LogRole.REFERENCE
    assert parse_log(BASELINE, "original_run/train.log").role is LogRole.REFERENCE
    assert parse_log(BASELINE, "train_seed42_original.log").role is LogRole.TRAIN


def test_junk_never_raises_and_is_noted() -> None:
    log = parse_log("\x00\x01\ufffd" * 50 + "\n" + "a" * 10_000 + " val_loss:1 val_bpb:1\n", "j.log")
    assert log.final is None
    assert any("NUL" in note for note in log.notes)
    assert any("U+FFFD" in note for note in log.notes)
    assert any("not matched" in note for note in log.notes)


def test_bom_and_crlf() -> None:
    log = parse_log("\ufeffseed:5\r\nfinal_a val_loss:1.5 val_bpb:1.25\r\n", "x.log")
    assert log.seed is not None and log.seed.value == 5
    assert log.final is not None and log.final.val_bpb == 1.25 and log.final.text.endswith("1.25")


# --- score selection --------------------------------------------------------------------------


def test_choose_final_drops_diagnostics_and_handles_empty() -> None:
    assert choose_final([]) is None
    only_diag = [_metric("diagnostic quantized", 2.0, 1.0, 1, diagnostic=True)]
    assert choose_final(only_diag) is None


def test_choose_final_exact_before_plain_and_tolerance() -> None:
    metrics = [
        _metric("final_a_exact", 2.12345678, 1.12345678, 1),
        MetricLine(label="final_a", val_loss=2.1235, val_bpb=1.1235, eval_time_ms=70.0, line=2, text="a"),
    ]
    final = choose_final(metrics)
    assert final is not None
    assert (final.label, final.val_bpb, final.eval_time_ms, final.line) == ("final_a_exact", 1.12345678, 70.0, 1)
    far = [_metric("final_b_exact", 2.0, 1.2, 1), _metric("final_b", 2.0, 1.3, 2)]
    chosen = choose_final(far)
    assert chosen is not None and (chosen.label, chosen.val_bpb) == ("final_b", 1.3)


# --- roles over a folder ----------------------------------------------------------------------


def _write(root: Path, rel: str, data: str | bytes) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, encoding="utf-8")


def _by_path(logs: list[ParsedLog]) -> dict[str, ParsedLog]:
    return {log.path: log for log in logs}


def test_read_logs_assigns_roles(tmp_path: Path) -> None:
    eval_only = "quantized_ttt_phased val_loss:2.3 val_bpb:1.05 eval_time:526400ms\n"
    _write(tmp_path, "train_seed314_original.log", SLIDING_WITH_COMPAT)
    _write(tmp_path, "train_seed314_rerun_gptq8s.log", LEGAL_TTT)
    _write(tmp_path, "train_seed42_repro.log", LEGAL_TTT)  # a lone "repro": no other seed-42 log
    _write(tmp_path, "eval_seed0.log", eval_only)
    _write(tmp_path, "reference/train_seed314.log", BASELINE)
    _write(tmp_path, "logs/crashed.txt", "Traceback (most recent call last):\n")
    _write(tmp_path, "requirements.txt", "torch\n")
    _write(tmp_path, "submission.json", "{}")
    logs = _by_path(read_logs(load_folder(tmp_path)))
    assert logs.keys() == {
        "train_seed314_original.log",
        "train_seed314_rerun_gptq8s.log",
        "train_seed42_repro.log",
        "eval_seed0.log",
        "reference/train_seed314.log",
        "logs/crashed.txt",
    }
    assert logs["train_seed314_original.log"].role is LogRole.TRAIN
    assert logs["train_seed314_rerun_gptq8s.log"].role is LogRole.RERUN
    assert logs["train_seed42_repro.log"].role is LogRole.TRAIN
    assert logs["eval_seed0.log"].role is LogRole.EVAL_ONLY
    assert logs["reference/train_seed314.log"].role is LogRole.REFERENCE
    assert logs["logs/crashed.txt"].role is LogRole.UNKNOWN
    # two logs of seed 314 stay two entries with their own scores
    original, rerun = logs["train_seed314_original.log"].final, logs["train_seed314_rerun_gptq8s.log"].final
    assert original is not None and rerun is not None and original.val_bpb != rerun.val_bpb


def test_read_logs_survives_unreadable_files(tmp_path: Path) -> None:
    _write(tmp_path, "binary.log", b"\x00\x01\x02junk" * 100)
    _write(tmp_path, "latin1.log", "seed:3\nfinal_a val_loss:1.0 val_bpb:0.5\n\xe9t\xe9\n".encode("latin-1"))
    with (tmp_path / "huge.log").open("wb") as fh:
        fh.truncate(MAX_TEXT_BYTES + 1)  # sparse: no 64 MB written
    (tmp_path / "link.log").symlink_to(tmp_path / "latin1.log")
    logs = _by_path(read_logs(load_folder(tmp_path, hash_files=False)))
    assert "link.log" not in logs
    binary = logs["binary.log"]
    assert binary.role is LogRole.UNKNOWN and "binary data" in binary.notes[0]
    huge = logs["huge.log"]
    assert huge.role is LogRole.UNKNOWN and "read cap" in huge.notes[0]
    latin = logs["latin1.log"]
    assert latin.final is not None and latin.final.val_bpb == 0.5
    assert any("U+FFFD" in note for note in latin.notes)


def test_parse_speed_on_a_35kb_log() -> None:
    """`make bench` times three 35 KB logs per check; one must parse in a few milliseconds."""
    steps = "".join(
        f"{i}/20000 train_loss: 2.{i % 97:04d} train_time: {i / 500:.1f}m tok/s: 7990000\n" for i in range(1, 500)
    )
    tttg = "".join(f"tttg: c{i}/1000 lr:0.000100 t:{i * 0.4:.1f}s\n" for i in range(300))
    text = QUANTIZED_SLIDING + steps + tttg
    assert 30_000 < len(text) < 45_000
    parse_log(text, "warm.log")
    start = time.perf_counter()
    for _ in range(10):
        parse_log(text, "train_seed0.log")
    per_log = (time.perf_counter() - start) / 10
    assert per_log < 0.05, f"{per_log * 1000:.1f} ms per 35 KB log"


def test_a_folder_s_logs_are_read_within_its_byte_and_line_budgets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgolf.logs import collect

    monkeypatch.setattr(collect, "MAX_LOG_LINES_PER_FOLDER", 3)
    _write(tmp_path, "a.log", "seed:1\nstep:1/2 train_loss:1 train_time:1ms step_avg:1ms\nx\ny\nz\n")
    _write(tmp_path, "b.log", "final_a val_loss:1.0 val_bpb:0.5\n")
    logs = _by_path(read_logs(load_folder(tmp_path)))
    assert logs["a.log"].line_count == 3 and "only the first 3 lines" in logs["a.log"].notes[0]
    assert logs["b.log"].role is LogRole.UNKNOWN and "budget" in logs["b.log"].notes[0]
    monkeypatch.setattr(collect, "MAX_LOG_LINES_PER_FOLDER", 100)
    monkeypatch.setattr(collect, "MAX_LOG_BYTES_PER_FOLDER", 70)
    logs = _by_path(read_logs(load_folder(tmp_path)))
    assert logs["a.log"].line_count == 5 and logs["a.log"].notes == []
    assert "total read cap" in logs["b.log"].notes[0]  # a.log took 63 of the 70 bytes
