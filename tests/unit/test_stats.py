"""The t-test machinery against reference values (scipy.stats.t.sf, computed offline)."""

from __future__ import annotations

import math

import pytest

from pgolf.stats import betainc, paired_one_sided, t_sf, welch_one_sided


@pytest.mark.parametrize(
    ("t", "df", "expected"),
    [(2.0, 5.0, 0.050969739), (1.0, 1.0, 0.25), (0.0, 3.0, 0.5), (-1.5, 10.0, 0.917746), (3.5, 2.5, 0.0262)],
)
def test_t_sf_matches_reference(t: float, df: float, expected: float) -> None:
    assert t_sf(t, df) == pytest.approx(expected, abs=2e-4)


def test_betainc_edges_and_symmetry() -> None:
    assert betainc(2.0, 3.0, 0.0) == 0.0
    assert betainc(2.0, 3.0, 1.0) == 1.0
    assert betainc(2.0, 3.0, 0.4) + betainc(3.0, 2.0, 0.6) == pytest.approx(1.0, abs=1e-12)
    assert betainc(1.0, 1.0, 0.3) == pytest.approx(0.3, abs=1e-12)


def test_welch_detects_clear_improvement() -> None:
    t = welch_one_sided([1.0550, 1.0556, 1.0561], [1.0612, 1.0615, 1.0619])
    assert t.mean_improvement == pytest.approx(0.005966, abs=1e-6)
    assert t.p < 0.001
    assert 2.0 < t.df < 4.0


def test_welch_margin_shifts_the_test() -> None:
    base, cand = [1.10, 1.11, 1.12], [1.09, 1.10, 1.11]
    assert welch_one_sided(cand, base, 0.0).p < welch_one_sided(cand, base, 0.01).p
    assert welch_one_sided(cand, base, 0.01).p == pytest.approx(0.5, abs=1e-9)


def test_paired_uses_common_seeds() -> None:
    t = paired_one_sided({1: 1.00, 2: 1.01, 3: 1.02}, {1: 1.01, 2: 1.02, 3: 1.035})
    assert t.kind == "paired" and t.df == 2.0
    assert t.mean_improvement == pytest.approx(0.011666, abs=1e-5)


def test_zero_variance_is_decided_by_the_sign() -> None:
    assert welch_one_sided([1.0, 1.0], [2.0, 2.0]).p == 0.0
    assert math.isinf(welch_one_sided([1.0, 1.0], [2.0, 2.0]).t)


def test_too_few_samples_is_an_error() -> None:
    with pytest.raises(ValueError, match="two samples"):
        welch_one_sided([1.0], [1.1, 1.2])
