"""The key tables of the lenient reader: every name a field has been written under, and the keys it knows.

History uses 25+ names for the artifact size and several for every headline field (ENVIRONMENT.md §4).
Each alias is a path of object keys; `lookup` follows one. The strict schema's fix suggestions reuse
these tables to say which key to rename.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

Path_ = tuple[str, ...]


class SizeBasis(StrEnum):
    """What the number behind `bytes_total` counts, judged from the key it was read from."""

    TOTAL = "total"  # code + compressed model, as the SIZE-CAP rule counts
    MAYBE_MODEL_ONLY = "maybe_model_only"  # keys that some authors use for the model blob alone
    MODEL_ONLY = "model_only"  # bytes_model_*: the compressed model, no code
    MODEL_PLUS_CODE = "model_plus_code"  # bytes_model_* + bytes_code, summed by this reader
    MEAN = "mean"  # a mean over seeds: one seed may still be over the cap
    SEED_MAX = "seed_max"  # the max of seed_results artifact_bytes, computed by this reader


# Preference order for the headline artifact size. ENVIRONMENT.md §4.3: artifact_bytes, total_bytes,
# artifact_size_bytes and artifact_bytes_max "sometimes mean model-only bytes".
SIZE_ALIASES: tuple[tuple[Path_, SizeBasis], ...] = (
    (("bytes_total",), SizeBasis.TOTAL),
    (("total_submission_bytes_max",), SizeBasis.TOTAL),
    (("total_submission_bytes",), SizeBasis.TOTAL),
    (("bytes_total_max",), SizeBasis.TOTAL),
    (("total_artifact_bytes",), SizeBasis.TOTAL),
    (("submission_bytes",), SizeBasis.TOTAL),
    (("submission_size_bytes",), SizeBasis.TOTAL),
    (("artifact_size", "max_observed_total_bytes"), SizeBasis.TOTAL),
    (("results", "bytes_total"), SizeBasis.TOTAL),
    (("artifact_bytes_max",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("total_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_size_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_size",), SizeBasis.MAYBE_MODEL_ONLY),
    (("bytes_total_mean",), SizeBasis.MEAN),
    (("artifact_bytes_mean",), SizeBasis.MEAN),
)
# Model-only byte counts (bytes_model_int8_zlib, bytes_model_int6_lzma, model_bytes, ...).
MODEL_BYTES_KEY = re.compile(r"^(?:bytes_model(?:_[A-Za-z0-9]+)*|model_bytes|compressed_model_bytes)$")

BPB_ALIASES: tuple[Path_, ...] = (
    ("val_bpb",),
    ("val_bpb", "mean"),
    ("mean_val_bpb",),
    ("val_bpb_mean",),
    ("val_bpb_3seed_mean",),
    ("mean_bpb",),
    ("results", "mean_val_bpb"),
    ("results", "val_bpb"),
    ("results", "val_bpb_mean"),
)
LOSS_ALIASES: tuple[Path_, ...] = (
    ("val_loss",),
    ("val_loss", "mean"),
    ("mean_val_loss",),
    ("val_loss_mean",),
    ("results", "mean_val_loss"),
    ("results", "val_loss"),
)
STD_ALIASES: tuple[Path_, ...] = (("val_bpb_std",), ("std_val_bpb",), ("std_bpb",), ("val_bpb_stddev",))
CODE_ALIASES: tuple[Path_, ...] = (
    ("bytes_code",),
    ("code_bytes",),
    ("artifact_size", "code_bytes"),
    ("train_gpt_py_bytes",),
)
AUTHOR_ALIASES: tuple[Path_, ...] = (("author",), ("authors",), ("team_or_author",), ("team_name",))
GITHUB_ALIASES: tuple[Path_, ...] = (("github_id",), ("github",), ("github_username",), ("github_user",))
NAME_ALIASES: tuple[Path_, ...] = (("name",), ("run_name",), ("submission_name",))
DATE_ALIASES: tuple[Path_, ...] = (("date",), ("submission_date",))
HARDWARE_ALIASES: tuple[Path_, ...] = (("hardware",), ("gpu",))
TORCH_ALIASES: tuple[Path_, ...] = (("pytorch_version",), ("torch_version",))

# Per-seed fields: canonical name -> (key as written, factor to the canonical unit).
SEED_FIELDS: dict[str, tuple[tuple[str, float], ...]] = {
    "val_bpb": (("val_bpb", 1),),
    "val_loss": (("val_loss", 1),),
    "artifact_bytes": (
        ("artifact_bytes", 1),
        ("bytes_total", 1),
        ("total_bytes", 1),
        ("artifact_size", 1),
        ("artifact_size_bytes", 1),
    ),
    "train_time_ms": (
        ("train_time_ms", 1),
        ("train_time_s", 1000),
        ("train_time_seconds", 1000),
        ("train_s", 1000),
    ),
    "eval_time_ms": (
        ("eval_time_ms", 1),
        ("eval_time_s", 1000),
        ("eval_time_seconds", 1000),
        ("eval_s", 1000),
        ("ttt_eval_time_ms", 1),
        ("ttt_eval_time_s", 1000),
    ),
    "steps": (("steps", 1), ("step_stop", 1), ("train_steps", 1)),
    "log": (("log", 1), ("log_file", 1), ("train_log", 1)),
}
# Keys of the strict schema (pgolf.meta.strict) the reader does not interpret, so they are not "unknown".
STRICT_ONLY_KEYS = frozenset(
    {
        "track",
        "seeds",
        "seed_results",
        "blurb",
        "cuda_version",
        "flash_attn_version",
        "dataset",
        "dataset_repo",
        "train_shards",
        "val_tokens",
        "score_line",
    }
)
_OTHER_READ_KEYS = frozenset({"seed", "val_bpb_seeds", "seed_scores", "results"})


def _known_keys() -> frozenset[str]:
    alias_groups = (
        *(p for p, _ in SIZE_ALIASES),
        *BPB_ALIASES,
        *LOSS_ALIASES,
        *STD_ALIASES,
        *CODE_ALIASES,
        *AUTHOR_ALIASES,
        *GITHUB_ALIASES,
        *NAME_ALIASES,
        *DATE_ALIASES,
        *HARDWARE_ALIASES,
        *TORCH_ALIASES,
    )
    return frozenset(p[0] for p in alias_groups) | STRICT_ONLY_KEYS | _OTHER_READ_KEYS


KNOWN_KEYS = _known_keys()


def lookup(doc: dict[str, Any], path: Path_) -> tuple[bool, Any]:
    """(found, value) at a path of object keys; found is False when any step is missing."""
    node: Any = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node
