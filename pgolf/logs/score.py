"""Choosing "the" score of a log from its metric lines (ENVIRONMENT.md §3.4, steps 1-4).

1. The metric lines arrive with periodic validation already excluded (the parser drops them).
2. Diagnostic labels (`diagnostic ...`, `pre-quantization ...`, `post_ema`, ...) are dropped.
3. The last remaining line is the candidate.
4. Compatibility duplicates collapse: when an earlier non-diagnostic line carries exactly the
   same val_loss and val_bpb under another label (a legacy `final_int8_zlib_roundtrip_exact`
   re-printing the sliding-window value), the earlier, more specific label is reported.
Then the `<label>` / `<label>_exact` sibling pair is merged: the 8-decimal value of the
`_exact` line with the eval_time of the plain line, which is the only one that prints it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgolf.logs.model import FinalScore, MetricLine

EXACT_SUFFIX = "_exact"
# A 4-decimal line and its 8-decimal sibling agree to half a unit in the 4th decimal.
_SIBLING_TOLERANCE = 5e-5 + 1e-9


def base_label(label: str) -> str:
    return label[: -len(EXACT_SUFFIX)] if label.endswith(EXACT_SUFFIX) else label


def choose_final(metrics: Sequence[MetricLine]) -> FinalScore | None:
    """The reported score of one log, or None when no non-diagnostic metric line exists."""
    eligible = [m for m in metrics if not m.diagnostic]
    if not eligible:
        return None
    last = len(eligible) - 1
    chosen = _collapse(eligible, last)
    collapsed_from = eligible[last].label if chosen != last else None
    exact, plain = _sibling_pair(eligible, chosen)
    value = exact or eligible[chosen]
    eval_time = plain.eval_time_ms if plain is not None and plain.eval_time_ms is not None else None
    if eval_time is None:
        eval_time = value.eval_time_ms
    return FinalScore(
        label=value.label,
        val_bpb=value.val_bpb,
        val_loss=value.val_loss,
        eval_time_ms=eval_time,
        line=value.line,
        text=value.text,
        collapsed_from=collapsed_from,
    )


def _collapse(eligible: Sequence[MetricLine], last: int) -> int:
    """Index of the earliest line re-printed verbatim by the last one under another label."""
    cand = eligible[last]
    family = base_label(cand.label)
    for i in range(last):
        m = eligible[i]
        if m.val_loss == cand.val_loss and m.val_bpb == cand.val_bpb and base_label(m.label) != family:
            return i
    return last


def _sibling_pair(eligible: Sequence[MetricLine], idx: int) -> tuple[MetricLine | None, MetricLine | None]:
    """(the `_exact` line, the plain line) of the chosen line's family; either may be None."""
    chosen = eligible[idx]
    if chosen.label.endswith(EXACT_SUFFIX):
        return chosen, _nearest(eligible, idx, base_label(chosen.label), chosen)
    exact = _nearest(eligible, idx, chosen.label + EXACT_SUFFIX, chosen)
    return exact, chosen


def _nearest(eligible: Sequence[MetricLine], idx: int, label: str, ref: MetricLine) -> MetricLine | None:
    """The closest line labelled `label` whose value agrees with `ref` to 4 decimals."""
    order = sorted(range(len(eligible)), key=lambda i: abs(i - idx))
    for i in order:
        m = eligible[i]
        if (
            i != idx
            and m.label == label
            and abs(m.val_bpb - ref.val_bpb) <= _SIBLING_TOLERANCE
            and abs(m.val_loss - ref.val_loss) <= _SIBLING_TOLERANCE
        ):
            return m
    return None
