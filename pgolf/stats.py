"""Significance statistics for SIGNIFICANCE: one-sided Welch and paired t-tests, no SciPy needed.

The Student-t tail comes from the regularized incomplete beta function (Lentz's continued
fraction, as in Numerical Recipes §6.4); tests/unit/test_stats.py pins it against known values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SeedScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    seed: int | None
    val_bpb: float
    val_loss: float | None = None


class Baseline(BaseModel):
    """What a candidate is compared with: a folder's per-seed scores or numbers given by hand."""

    model_config = ConfigDict(frozen=True)

    label: str
    scores: tuple[SeedScore, ...] = Field(min_length=1)


class TTest(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["welch", "paired"]
    margin: float  # the improvement tested for, in the samples' unit
    mean_improvement: float  # baseline mean - candidate mean (positive = candidate better)
    t: float
    df: float
    p: float  # one-sided: P(improvement <= margin)
    n_candidate: int
    n_baseline: int


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 3e-16:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom."""
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t > 0 else 1.0 - tail


def _mean_var(xs: Sequence[float]) -> tuple[float, float]:
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else 0.0
    return mean, var


def _t_and_p(numerator: float, se: float, df: float) -> tuple[float, float]:
    if se == 0.0:
        t = math.inf if numerator > 0 else (-math.inf if numerator < 0 else 0.0)
        return t, (0.0 if numerator > 0 else 1.0)
    t = numerator / se
    return t, t_sf(t, df)


MIN_TEST_SAMPLES = 2  # a t-test needs a variance on each side


def welch_one_sided(candidate: Sequence[float], baseline: Sequence[float], margin: float = 0.0) -> TTest:
    """Test H1: mean(baseline) - mean(candidate) > margin (lower is better), unequal variances."""
    if len(candidate) < MIN_TEST_SAMPLES or len(baseline) < MIN_TEST_SAMPLES:
        raise ValueError("Welch's test needs at least two samples on each side")
    mc, vc = _mean_var(candidate)
    mb, vb = _mean_var(baseline)
    sc, sb = vc / len(candidate), vb / len(baseline)
    se = math.sqrt(sc + sb)
    denom = (sc**2 / (len(candidate) - 1)) + (sb**2 / (len(baseline) - 1))
    df = (sc + sb) ** 2 / denom if denom > 0 else float(len(candidate) + len(baseline) - 2)
    improvement = mb - mc
    t, p = _t_and_p(improvement - margin, se, df)
    return TTest(
        kind="welch",
        margin=margin,
        mean_improvement=improvement,
        t=t,
        df=df,
        p=p,
        n_candidate=len(candidate),
        n_baseline=len(baseline),
    )


def paired_one_sided(candidate: Mapping[int, float], baseline: Mapping[int, float], margin: float = 0.0) -> TTest:
    """Paired test over the seeds both sides ran: H1: mean(baseline_s - candidate_s) > margin."""
    common = sorted(set(candidate) & set(baseline))
    if len(common) < MIN_TEST_SAMPLES:
        raise ValueError("a paired test needs at least two common seeds")
    diffs = [baseline[s] - candidate[s] for s in common]
    mean, var = _mean_var(diffs)
    se = math.sqrt(var / len(diffs))
    t, p = _t_and_p(mean - margin, se, len(diffs) - 1)
    return TTest(
        kind="paired",
        margin=margin,
        mean_improvement=mean,
        t=t,
        df=float(len(diffs) - 1),
        p=p,
        n_candidate=len(candidate),
        n_baseline=len(baseline),
    )
