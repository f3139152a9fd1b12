"""Run profiles: `official` runs the manifest as written; `smoke` runs a record's own code end to end
on one GPU at reduced scale, to prove the pipeline (data, training, GPTQ, compression, TTT, score)
in minutes. A smoke run is never official: every change it makes is listed as a deviation, and
the report labels the run non-official with that list.

Pure: (manifest, the entrypoint's source text) -> (manifest, deviations). The smoke values live in
`SMOKE_ENV` below (data, not literals in the planner); an env variable is changed only when the
record's script reads it, so a script without the knob runs at its own value and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pgolf.manifest import Budget, Manifest

ProfileName = Literal["official", "smoke"]
PROFILES: tuple[ProfileName, ...] = ("official", "smoke")


@dataclass(frozen=True)
class SmokeSetting:
    key: str
    value: str
    why: str
    always: bool = False  # set even when the script never names it (read by torch itself)


SMOKE_ENV: tuple[SmokeSetting, ...] = (
    SmokeSetting(
        "TORCHDYNAMO_DISABLE",
        "1",
        "eager mode: with torch.compile on, a record is compile-bound on one GPU (> 700 s per seed)",
        always=True,
    ),
    SmokeSetting("MAX_WALLCLOCK_SECONDS", "40", "40 s of training instead of the track's 600 s"),
    SmokeSetting("MODEL_DIM", "256", "model width 256 instead of the record's, so eager training steps are fast"),
    SmokeSetting("TTT_BATCH_SIZE", "16", "TTT batch 16 documents instead of the record's, for one GPU's memory"),
    SmokeSetting("VAL_LOSS_EVERY", "0", "no periodic validation during training"),
)
SMOKE_VAL_DOCS = 256
SMOKE_TRAIN_DOCS = 20_000
# The script stops itself at MAX_WALLCLOCK_SECONDS (checked after a step): the train budget leaves room
# for the last step, so a smoke run is not reported over its own budget.
SMOKE_BUDGET = Budget(train_seconds=60, eval_seconds=300, slack_seconds=130)


@dataclass(frozen=True)
class Profiled:
    manifest: Manifest
    deviations: list[str]
    shared_compile_cache: bool  # compile caches kept across seeds (smoke), else cold per seed


def apply_profile(manifest: Manifest, profile: ProfileName, script: str, *, nproc: int | None = None) -> Profiled:
    """The manifest as the profile runs it; `script` is the entrypoint's text (to see which knobs it reads)."""
    if profile == "official":
        return Profiled(manifest, [], shared_compile_cache=False)
    env = dict(manifest.env)
    deviations = []
    for setting in SMOKE_ENV:
        if not setting.always and f'"{setting.key}"' not in script and f"'{setting.key}'" not in script:
            deviations.append(f"{setting.key}: not read by {manifest.entrypoint}, left at the script's value")
            continue
        before = env.get(setting.key, "the script default")
        env[setting.key] = setting.value
        deviations.append(f"{setting.key}={setting.value} (was {before}): {setting.why}")
    if '"VAL_BATCH_TOKENS"' in script:
        # Records batch validation by VAL_BATCH_TOKENS / (world x grad accum, 8 together) and truncate
        # to whole batches: 256 documents hold a few sequences, so a batch must be one sequence each.
        seq = max(int(env.get(k, "0") or 0) for k in ("EVAL_SEQ_LEN", "TRAIN_SEQ_LEN")) or 2048
        before = env.get("VAL_BATCH_TOKENS", "the script default")
        env["VAL_BATCH_TOKENS"] = str(8 * seq)
        deviations.append(
            f"VAL_BATCH_TOKENS={8 * seq} (was {before}): one {seq}-token sequence per micro-batch, so the small "
            "validation split is not truncated to nothing"
        )
    budget = SMOKE_BUDGET
    deviations += [
        f"one GPU: nproc_per_node {nproc or 1} instead of {manifest.nproc_per_node}",
        f"a small dataset in the record's format: {SMOKE_VAL_DOCS} validation documents and "
        f"{SMOKE_TRAIN_DOCS:,} training documents of generated English-like text (pgolf.data.textgen), "
        "not FineWeb",
        f"time budget train {budget.train_seconds:.0f} s, eval {budget.eval_seconds:.0f} s, slack "
        f"{budget.slack_seconds:.0f} s instead of the track's",
        "compile caches kept across seeds (an official run starts each seed cold)",
    ]
    updated = manifest.model_copy(update={"env": env, "budget": budget, "nproc_per_node": nproc or 1})
    return Profiled(updated, deviations, shared_compile_cache=True)
