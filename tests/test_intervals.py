"""The intervals every table and JSON file quotes: known values, and each contains its estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pysgxalloc.intervals import median_interval, median_ranks, median_ratio, ratio_interval, wilson_interval


def test_wilson_interval_of_none_in_twenty_reaches_up_to_sixteen_percent() -> None:
    # z = 1.96: upper end z^2 / (n + z^2) = 3.8415 / 23.8415
    interval = wilson_interval(0, 20)
    assert interval.low == 0.0
    assert interval.high == pytest.approx(0.16113, abs=1e-4)


def test_wilson_interval_of_twenty_in_twenty_mirrors_none_in_twenty() -> None:
    interval = wilson_interval(20, 20)
    assert interval.low == pytest.approx(1 - 0.16113, abs=1e-4)
    assert interval.high == 1.0


def test_wilson_interval_of_half_is_symmetric_about_one_half() -> None:
    interval = wilson_interval(10, 20)
    assert interval.low == pytest.approx(1 - interval.high)
    assert interval.low == pytest.approx(0.29929, abs=1e-4)


def test_median_interval_of_ten_runs_spans_the_second_to_the_ninth_value() -> None:
    # P(Bin(10, 1/2) <= 1) = 11/1024 <= 0.025 < P(<= 2) = 56/1024
    k, coverage = median_ranks(10)
    assert k == 2
    assert coverage == pytest.approx(1 - 2 * 11 / 1024)
    interval = median_interval(np.arange(1, 11))
    assert (interval.low, interval.high) == (2.0, 9.0)


def test_median_interval_below_six_runs_is_the_whole_range_and_says_it_covers_less() -> None:
    k, coverage = median_ranks(5)
    assert k == 1
    assert coverage == pytest.approx(1 - 2 / 2**5)
    interval = median_interval([5, 1, 4, 2, 3])
    assert (interval.low, interval.high) == (1.0, 5.0)


def test_median_interval_of_one_value_is_that_value() -> None:
    assert median_interval([7]).as_list() == [7.0, 7.0]


def test_ratio_interval_of_constant_samples_is_the_ratio_itself() -> None:
    interval = ratio_interval([6.0] * 8, [3.0] * 8)
    assert interval.as_list() == [2.0, 2.0]


def test_ratio_interval_divides_the_outer_ends_of_the_two_median_intervals() -> None:
    top, bottom = list(range(10, 20)), list(range(1, 11))
    interval = ratio_interval(top, bottom)
    # at 97.5% each, ten runs give ranks 2 and 9 (P(<= 1) = 11/1024 <= 0.0125)
    assert interval.low == pytest.approx(11 / 9)
    assert interval.high == pytest.approx(18 / 2)


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError, match="at least one value"):
        median_interval([])
    with pytest.raises(ValueError, match="positive"):
        ratio_interval([1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="confidence"):
        median_interval([1.0], confidence=1.5)


samples = st.lists(st.floats(min_value=0.01, max_value=1e9, allow_nan=False), min_size=1, max_size=40)


@given(samples)
def test_a_median_interval_contains_the_median(values: list[float]) -> None:
    assert float(np.median(values)) in median_interval(values)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_a_wilson_interval_contains_the_rate(case: tuple[int, int]) -> None:
    successes, trials = case
    interval = wilson_interval(successes, trials)
    assert successes / trials in interval
    assert 0 <= interval.low <= interval.high <= 1


@given(samples, samples)
def test_a_ratio_interval_contains_the_ratio_of_medians(top: list[float], bottom: list[float]) -> None:
    ratio = median_ratio(top, bottom)
    interval = ratio_interval(top, bottom)
    assert interval.low <= ratio * (1 + 1e-12) and ratio <= interval.high * (1 + 1e-12)
    assert not math.isnan(interval.low)
