"""Builders for the pass/fail fixtures each check ships in its `fixtures.py`.

Fixtures are written by the tests into a temporary `records/<track>/<name>/` folder, so a check
sees exactly what it sees in the wild: real log formats (ENVIRONMENT.md §3), a submission.json
with real key shapes (§4), and a small script. Nothing here is a committed copy of a real PR.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgolf.findings import PolicyName, Status

FileContent = str | bytes

CLEAN_SCRIPT = """\
import glob, os, time
import numpy as np
import torch
import torch.nn.functional as F

DATA_PATH = os.environ.get("DATA_PATH", "./data/datasets/fineweb10B_sp1024")
MAX_WALLCLOCK_SECONDS = float(os.environ.get("MAX_WALLCLOCK_SECONDS", 600.0))


def load_tokens(pattern):
    files = sorted(glob.glob(pattern))
    return np.concatenate([np.fromfile(f, dtype=np.uint16, offset=1024) for f in files])


def train(model, opt):
    train_tokens = load_tokens(os.path.join(DATA_PATH, "fineweb_train_*.bin"))
    t0 = time.perf_counter()
    step = 0
    while time.perf_counter() - t0 < MAX_WALLCLOCK_SECONDS:
        x = torch.from_numpy(train_tokens[step : step + 1025].astype(np.int64))
        loss = F.cross_entropy(model(x[:-1]), x[1:])
        loss.backward()
        opt.step()
        opt.zero_grad()
        step += 1


def evaluate(model):
    val_tokens = load_tokens(os.path.join(DATA_PATH, "fineweb_val_*.bin"))
    total = 0.0
    with torch.inference_mode():
        for i in range(0, len(val_tokens) - 1025, 1024):
            x = torch.from_numpy(val_tokens[i : i + 1025].astype(np.int64))
            total += F.cross_entropy(model(x[:-1]), x[1:], reduction="sum").item()
    return total
"""


def _hparams(values: Mapping[str, object]) -> list[str]:
    return ["Hyperparameters:", *(f"  {k}: {v}" for k, v in sorted(values.items()))]


def modern_log(
    seed: int = 42,
    *,
    val_bpb: float = 1.06090748,
    val_loss: float = 2.32165882,
    train_time_ms: int = 592045,
    step: int = 4921,
    gptq_reserve_s: float | None = 8.0,
    hessian_s: float | None = 3.8,
    eval_time_ms: int = 429520,
    total_eval_s: float | None = None,
    total_bytes: int = 15951777,
    model_bytes: int = 15920392,
    code_bytes: int = 31385,
    train_shards: int = 80,
    val_tokens: int = 47851520,
    world_size: int = 8,
    max_wallclock: float = 600.0,
    datasets_dir: str = "/root/data/datasets/fineweb10B_sp8192_lossless_caps_caseops_v1_reserved",
    total_docs: int | None = 50000,
    extra_hparams: Mapping[str, object] | None = None,
    after_stop: Sequence[str] = (),
    before_final: Sequence[str] = (),
    source_dump: str = CLEAN_SCRIPT,
) -> str:
    """A phased-TTT era log (#1855 lineage), with its source dump and hyperparameter block."""
    hp: dict[str, object] = {
        "seed": seed,
        "world_size": world_size,
        "grad_accum_steps": 1,
        "max_wallclock_seconds": max_wallclock,
        "datasets_dir": datasets_dir,
        "gptq_reserve_seconds": gptq_reserve_s if gptq_reserve_s is not None else 0.0,
        **(extra_hparams or {}),
    }
    ruler = "=" * 100
    lines = [ruler, *_hparams(hp), "Source code:", ruler, *source_dump.splitlines(), ruler]
    lines += [
        "Running Python 3.12.3 (main, Mar  3 2026, 12:15:18) [GCC 13.3.0]",
        "Running PyTorch 2.9.1+cu128",
        ruler,
    ]
    lines += [f"train_shards: {train_shards}", f"val_tokens: {val_tokens}", "model_params:35945671"]
    if gptq_reserve_s is not None:
        lines.append(
            f"gptq:reserving {gptq_reserve_s:.1f}s, effective={int((max_wallclock - gptq_reserve_s) * 1000)}ms"
        )
    lines += ["warmup_step: 1/20", "warmup_step: 20/20", "0/20000 val_loss: 8.9980 val_bpb: 4.1115"]
    lines += [
        f"{s}/20000 train_loss: {3.0 - s / 10000:.4f} train_time: {s / step * train_time_ms / 60000:.1f}m tok/s: 83"
        for s in (1, 500, 1000, step // 2)
    ]
    lines += [
        f"{step}/20000 val_loss: 2.3527 val_bpb: 1.0750",
        f"stopping_early: wallclock_cap train_time: {train_time_ms}ms step: {step}/20000",
        "peak memory allocated: 41710 MiB reserved: 47036 MiB",
        *after_stop,
        "Serialized model: 135417533 bytes",
        "Code size (uncompressed): 152661 bytes",
        f"Code size (compressed): {code_bytes} bytes",
        "GPTQ:collecting Hessians from calibration data...",
    ]
    if hessian_s is not None:
        lines.append(f"GPTQ:collected 67 Hessians in {hessian_s}s")
    lines += [
        f"Serialized model quantized+brotli: {model_bytes} bytes",
        f"Total submission size quantized+brotli: {total_bytes} bytes",
        "diagnostic pre-quantization post-ema val_loss:2.33020168 val_bpb:1.06474209 eval_time:9082ms",
        "diagnostic quantized val_loss:2.34967561 val_bpb:1.07364034 eval_time:11036ms",
        "ttt_lora:warming up compile (random tokens, no val data)",
        "ttt_lora:compile warmup done (108.7s)",
        "",
        "beginning TTT eval timer",
    ]
    if total_docs is not None:
        lines.append(
            f"ttt_phased: total_docs:{total_docs} prefix_docs:2000 suffix_docs:{total_docs - 2000} "
            "num_phases:3 boundaries:[666, 1333, 2000]"
        )
    lines += [
        *before_final,
        f"quantized_ttt_phased val_loss:{val_loss:.8f} val_bpb:{val_bpb:.8f} eval_time:{eval_time_ms}ms",
    ]
    lines.append(f"total_eval_time:{(total_eval_s if total_eval_s is not None else eval_time_ms / 1000):.1f}s")
    return "\n".join(lines) + "\n"


def old_log(
    seed: int = 1337,
    *,
    val_bpb: float = 1.12278,
    val_loss: float = 1.89573,
    train_time_ms: int = 600128,
    step: int = 7179,
    step_avg_ms: float = 83.59,
    total_bytes: int = 15555017,
    model_bytes: int = 15488000,
    max_wallclock: float = 600.0,
    world_size: int = 8,
    train_shards: int = 80,
    val_tokens: int = 62021632,
    after_stop: Sequence[str] = (),
) -> str:
    """A March sliding-window era log (#549 lineage): no spaces after colons, `_exact` siblings."""
    lines = [
        f"seed:{seed}",
        f"world_size:{world_size} grad_accum_steps:1",
        f"train_loader:dataset:fineweb10B_sp1024 train_shards:{train_shards}",
        f"val_loader:shards pattern=./data/datasets/fineweb10B_sp1024/fineweb_val_*.bin tokens:{val_tokens}",
        f"max_wallclock_seconds:{max_wallclock}",
        f"step:1/9000 train_loss:6.9310 train_time:{step_avg_ms:.0f}ms step_avg:{step_avg_ms:.2f}ms",
        f"step:{step // 2}/9000 train_loss:2.1000 train_time:{train_time_ms // 2}ms step_avg:{step_avg_ms:.2f}ms",
        f"step:{step}/9000 val_loss:1.9214 val_bpb:1.1379 train_time:{train_time_ms}ms step_avg:{step_avg_ms:.2f}ms",
        f"stopping_early: wallclock_cap train_time:{train_time_ms}ms step:{step}/9000",
        *after_stop,
        f"Serialized model int6+lzma: {model_bytes} bytes",
        "Code size: 67017 bytes",
        f"Total submission size int6+lzma: {total_bytes} bytes",
        "final_int6_roundtrip val_loss:1.9320 val_bpb:1.1442 eval_time:1500ms",
        "final_int6_roundtrip_exact val_loss:1.93201234 val_bpb:1.14421234",
        f"final_int6_sliding_window val_loss:{val_loss:.4f} val_bpb:{val_bpb:.4f} stride:64 eval_time:74066ms",
        f"final_int6_sliding_window_exact val_loss:{val_loss:.8f} val_bpb:{val_bpb:.8f}",
    ]
    return "\n".join(lines) + "\n"


def submission_json(
    seed_bpbs: Mapping[int, float] | None = None,
    *,
    artifact_bytes: int = 15951777,
    track: str | None = "10min_16mb",
    **overrides: Any,
) -> str:
    seed_bpbs = dict(seed_bpbs or {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776})
    mean = round(sum(seed_bpbs.values()) / len(seed_bpbs), 8)
    doc: dict[str, Any] = {
        "author": "Test Author",
        "github_id": "test-author",
        "name": "Fixture submission",
        "date": "2026-04-29",
        "val_bpb": mean,
        "val_loss": 2.3217,
        "bytes_total": artifact_bytes,
        "seeds": list(seed_bpbs),
        "seed_results": {
            str(s): {"val_bpb": v, "val_loss": round(v * 2.1884, 8), "artifact_bytes": artifact_bytes}
            for s, v in seed_bpbs.items()
        },
    }
    if track is not None:
        doc["track"] = track
    doc.update(overrides)
    return json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2)


DEFAULT_SEEDS: dict[int, float] = {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776}


def standard_files(
    seed_bpbs: Mapping[int, float] | None = None,
    *,
    log: Callable[..., str] = modern_log,
    log_kwargs: Mapping[str, Any] | None = None,
    per_seed: Mapping[int, Mapping[str, Any]] | None = None,
    json_overrides: Mapping[str, Any] | None = None,
) -> dict[str, FileContent]:
    """A complete, valid record folder: README, submission.json, train_gpt.py, one log per seed."""
    seeds = dict(seed_bpbs or DEFAULT_SEEDS)
    files: dict[str, FileContent] = {
        "README.md": "# Fixture submission\n\nRun: `torchrun --standalone --nproc_per_node=8 train_gpt.py`\n",
        "train_gpt.py": CLEAN_SCRIPT,
        "submission.json": submission_json(seeds, **dict(json_overrides or {})),
    }
    for seed, bpb in seeds.items():
        kwargs = {**dict(log_kwargs or {}), **dict((per_seed or {}).get(seed, {}))}
        kwargs.setdefault("val_bpb", bpb)
        files[f"train_seed{seed}.log"] = log(seed, **kwargs)
    return files


@dataclass(frozen=True)
class Fixture:
    """A submission folder a check must judge as `expect` (under `policy`)."""

    name: str
    expect: Status
    files: Mapping[str, FileContent]
    why: str
    policy: PolicyName = "readme"
    track: str = "track_10min_16mb"
    baseline: tuple[float, ...] | None = None  # per-seed val_bpb of a baseline, for SIGNIFICANCE
    symlinks: Mapping[str, str] = field(default_factory=dict)  # link path -> target

    def write(self, tmp: Path) -> Path:
        folder = tmp / "records" / self.track / self.name
        folder.mkdir(parents=True)
        for rel, content in self.files.items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        for link, dest in self.symlinks.items():
            (folder / link).symlink_to(dest)
        return folder
