"""The regex catalog for log lines (ENVIRONMENT.md §3.3, RULES.md log formats), precompiled.

Every pattern applies to a line after `strip_prefix`, anchored at column 0. The parser picks
the few patterns worth trying from the line's first characters; nothing here runs per line
on its own. Numbers are captured as strings and converted by `to_int` / `to_float`, which
refuse absurd values instead of raising.
"""

from __future__ import annotations

import re

NUM = r"\d+(?:\.\d*)?|\.\d+"  # a decimal that float() always accepts ("1.2.3" does not match)

RULER = "=" * 100
MAX_MATCH_LINE = 4096  # longer lines are never result lines; skipping them bounds regex cost

# --- metric lines -------------------------------------------------------------------------
# §3.3 "any metric", with the number groups tightened to NUM.
METRIC = re.compile(
    r"^(?P<label>[A-Za-z_][\w\-+.() ]*?)[\s:]+(?:stride:\d+\s+)?"
    rf"val_loss\s*[:=]\s*(?P<loss>{NUM})[,]?\s+val_bpb\s*[:=]\s*(?P<bpb>{NUM})(?P<rest>.*)$"
)
# `eval_time:74066ms`, and the `(stride=64, T=0.9) time:409000ms` variant; not `train_time`.
EVAL_TIME = re.compile(rf"(?<![\w])(?:eval_)?time\s*[:=]\s*({NUM})\s*ms")
TTT_SLIDING_DONE = re.compile(
    rf"^ttt_sliding:done val_loss\s*=\s*(?P<loss>{NUM})\s+val_bpb\s*=\s*(?P<bpb>{NUM})"
    rf"(?:.*?elapsed=(?P<elapsed>{NUM})s)?"
)
# §3.4 step 2, searched rather than anchored for the pre-quantization words: the corpus also
# prints `pre-ttt pre-quantization post-ema` and `post-ttt pre-quantization loop-active`, and
# no reported score is ever a pre-quantization one.
DIAGNOSTIC_LABEL = re.compile(
    r"^(?:diagnostic|DIAGNOSTIC|post-prequant|post_ema|swa_eval|neural_only|pre_ttt|pre-ttt|baseline)"
    r"|pre-quantization|pre_quant|prequant"
)
# Disputed or illegal families (§3.2 last row): flagged, never silently ranked.
DISPUTED_LABEL = re.compile(r"ngram|ppm|hedge|two_pass|(?:^|_)slot(?:_|$)", re.IGNORECASE)

# --- training curve and periodic validation ------------------------------------------------
OLD_TRAIN_STEP = re.compile(rf"^step:(\d+)/(\d+)\s+(?:\[[^\]]*\]\s+)?(?:train_)?loss:({NUM})(?P<rest>.*)$")
OLD_VAL_STEP = re.compile(rf"^step:(\d+)/(\d+)\s+val_loss:({NUM})\s+val_bpb:({NUM})(?P<rest>.*)$")
OLD_TRAIN_TIME = re.compile(r"(?<![\w])(?:train_time|t):(\d+)ms")
OLD_STEP_AVG = re.compile(rf"(?<![\w])(?:step_)?avg:({NUM})ms")
NEW_TRAIN_STEP = re.compile(rf"^(\d+)/(\d+)\s+train_loss:\s*({NUM})\s+train_time:\s*({NUM})m\b")
NEW_VAL_STEP = re.compile(rf"^(\d+)/(\d+)\s+val_loss:\s*({NUM})\s+val_bpb:\s*({NUM})")

# --- training stop, sizes, data -------------------------------------------------------------
STOP_TIME = re.compile(r"(?<![\w])(?:train_)?time:\s?(\d+)ms")
STOP_STEP = re.compile(r"(?<![\w])step:\s?(\d+)/(\d+)")
TOTAL_SIZE = re.compile(r"^Total submission size(?: (?P<fmt>[^:]+?))?:\s*(?P<n>\d+) bytes")
MODEL_SIZE = re.compile(r"^Serialized model(?: (?P<fmt>[^:]+?))?:\s*(?P<n>\d+) bytes")
CODE_SIZE = re.compile(r"^Code size(?: \((?P<fmt>uncompressed|compressed)\))?:\s*(?P<n>\d+) bytes")
TRAIN_SHARDS = re.compile(r"^train_shards:\s*(\d+)")
TRAIN_LOADER = re.compile(r"^train_loader:dataset:(\S+) train_shards:\s*(\d+)")
DATA_SUMMARY = re.compile(r"^data: (\S+) train_shards:\s*(\d+) val_tokens:\s*(\d+)")
VAL_TOKENS = re.compile(r"^val_tokens:\s*(\d+)")
VAL_LOADER = re.compile(r"^val_loader:shards pattern=\S+ tokens:\s*(\d+)")

# --- quantisation and evaluation timing -----------------------------------------------------
# `gptq:reserving 4s, effective=596000ms`, `gptq:reserving 14000ms from training budget, effective=586000ms`
GPTQ_RESERVE = re.compile(rf"^gptq:reserving ({NUM})m?s(?: from training budget)?, effective=(\d+)ms")
GPTQ_COLLECTED = re.compile(rf"^GPTQ:collected (\d+) Hessians in ({NUM})s")
GPTQ_CALIBRATED = re.compile(rf"^gptq:calibrated (\d+) layers in ({NUM})s")
GPTQ_COLLECTED_OLD = re.compile(rf"^gptq:collected hessians for (\d+) layers(?:[^(]*? in ({NUM})s)?")
# Where calibration tokens come from, as a log line says it (tags seen in the corpus and the rulebook):
# `(AR self-gen)`, `autoregressive calibration data`, `ar_selfgen=1`, `(training data)`, `(val-data)`,
# `without train-data calibration`. Checked in this order; the first that matches wins.
GPTQ_SOURCE_TAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("none", re.compile(r"without (?:train(?:ing)?[- ]data )?calibration", re.I)),
    ("validation", re.compile(r"val(?:idation)?[-_ ]data|\(val\)|from val(?:idation)?\b|val_tokens", re.I)),
    (
        "self-generated",
        re.compile(r"self[-_ ]?gen|autoregressive|generat\w* calibration|from the model|ar_selfgen=1", re.I),
    ),
    ("random", re.compile(r"random (?:tokens|data|calibration)", re.I)),
    ("training", re.compile(r"train(?:ing)?[-_ ]data|train_files|training batches|ar_selfgen=0", re.I)),
)
GPTQ_CALIBRATION_HINTS = (
    "gptq:calibrating",
    "gptq:generating",
    "GPTQ:collecting Hessians",
    "GPTQ:generating",
)
TOTAL_EVAL_TIME = re.compile(rf"^total_eval_time:\s*({NUM})s")
TTT_COMPILE = re.compile(rf"^ttt_lora:compile warmup done \(({NUM})s\)")
NGRAM_HINTS = re.compile(r"^ngram_tilt:hints total=(\d+)(?P<rest>.*)$")
NGRAM_FIELD = re.compile(r"(\w+)=(\d+)")
NGRAM_PRECOMPUTE = re.compile(
    rf"^ngram_tilt:precompute(?P<outside>_outside_timer)?_done elapsed=(?P<s>{NUM})s"
    r"(?:.*?total_targets=(?P<n>\d+))?"
)
PRECOMPUTE_EXCLUDED = "precompute time excluded from eval"
# The moment the eval timer starts: `beginning TTT eval timer` (#1855 lineage), `starting the eval clock`.
EVAL_TIMER_LINE = re.compile(
    r"^(?:beginning|starting|start(?:ed|ing)?)\b.{0,40}\beval(?:uation)?[ _](?:timer|clock)"
    r"|^eval(?:uation)?[ _](?:timer|clock)[ :_=]*(?:start|begin)",
    re.IGNORECASE,
)
TTT_PHASED_DOCS = re.compile(r"^ttt_phased: total_docs:\s*(\d+)")
SERIALIZE_WALL = re.compile(rf"^serialize_wallclock:\s*({NUM})s")
ARTIFACT_WALL = re.compile(rf"^artifact_production_wallclock:\s*({NUM})s")

# --- phase marks (pgolf.runner.phases) ----------------------------------------------------------
# `warmup_cu_buckets:64,128 iters_each:3`, `warmup_step: 1/20`, `loop_warmup_step: 20/20`.
WARMUP_LINE = re.compile(r"^(?:warmup_cu_buckets|(?:loop_)?warmup_step:\s?(\d+)/(\d+))")
TTT_COMPILE_START = "ttt_lora:warming up compile"
EVAL_TIMER_START = "beginning TTT eval timer"

# --- run setup and environment --------------------------------------------------------------
WORLD_SIZE = re.compile(r"^world_size:\s*(\d+)(?:\s+grad_accum_steps:\s*(\d+))?")
MAX_WALLCLOCK = re.compile(rf"(?<![\w])max_wallclock_seconds[:=]\s*({NUM})")
SEED_LINE = re.compile(r"^seed:\s*(\d+)\b")
FILENAME_SEED = re.compile(r"seed[_-]?(\d+)", re.IGNORECASE)
PYTHON_VERSION = re.compile(r"^(?:Running )?Python (\d\S*)")
TORCH_VERSION = re.compile(r"^(?:Running )?PyTorch (\d\S*)")
CUDA_VERSION = re.compile(r"CUDA Version:\s*(\d[\d.]*)")
DRIVER_VERSION = re.compile(r"Driver Version:\s*(\d[\d.]*)")
SMI_GPU = re.compile(r"^\|\s+\d+\s+(?P<name>\S.*?)\s{2,}(?:On|Off)\s+\|")
HYPERPARAM = re.compile(r"^\s{2,}(?P<key>[A-Za-z_][\w.\-]*):(?: (?P<value>.*))?$")
HYPERPARAM_PAIR = re.compile(r"([A-Za-z_][\w.\-]*)=(\S*)")
DUMP_END = re.compile(r"^(?:Running )?Python \d")

# Lines that only program output produces: where a backward scan through an old-era dump stops.
OUTPUT_LINE = re.compile(
    r"^(?:step:\d+/\d+ |\d+/\d+ (?:train|val)_loss|stopping_early:|peak memory|Serialized model"
    r"|Total submission size|val_loader:|train_loader:|warmup_step|model_params:|world_size:\d"
    r"|final_\w+ val_loss:\d|ttt_sliding:done|Running Py|Hyperparameters:)"
)


def to_int(text: str | None) -> int | None:
    """An int, or None when absent or too long to be a real count (int() caps digit strings)."""
    if not text or len(text) > 18:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def to_float(text: str | None) -> float | None:
    if not text or len(text) > 40:
        return None
    try:
        return float(text)
    except ValueError:
        return None
