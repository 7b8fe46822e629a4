"""Intervals for the figures people cite: medians, rates and ratios of medians, each with its real coverage.

- A median's interval is distribution-free: the order statistics ``x(k)`` and
  ``x(n-k+1)`` of the sorted sample, with ``k`` the largest rank for which
  ``2 P(Binomial(n, 1/2) <= k - 1)`` stays within the miss rate. It assumes only
  independent runs of one setting. Below `RUNS_FOR_95` (6) runs no such ``k``
  exists and the interval is the whole range (min .. max), which covers with
  ``1 - 2^(1-n)`` only: 0% at 1 run, 50% at 2, 94% at 5. `median_interval` says
  so in ``coverage``, and `is_95` is how every report decides whether it may
  call an interval a 95% one.
- A rate (runs that drifted, runs that hung) gets the Wilson score interval,
  which stays inside [0, 1] and is not empty at 0 of n or n of n. Its 95% is
  nominal (close on average, not guaranteed), so `share_interval` gives none
  below `RUNS_FOR_95` runs, the count from which the medians beside it are 95%.
- A ratio of two medians (one strategy's throughput against another's) gets
  the quotient of the two medians' intervals at half the miss rate each
  (Bonferroni: both cover together with at least the stated confidence), so it
  too needs no assumption about the distributions; it reaches 95% from
  `RUNS_FOR_95_RATIO` (7) runs of each, and covers 0% on one or two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from pysgxalloc.counted import counted

#: What every interval in the reports is.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A closed interval [low, high] and how often an interval built this way covers the truth."""

    low: float
    high: float
    coverage: float  #: at least this (exact for the order-statistic interval, nominal for Wilson)

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_list(self) -> list[float]:
        """``[low, high]``: how JSON fields ``<name>_ci95`` carry it."""
        return [self.low, self.high]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def _binomial_half_cdf(n: int, k: int) -> float:
    """P(Binomial(n, 1/2) <= k), exactly."""
    return float(sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def median_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, float]:
    """The 1-based rank ``k`` of the median interval's lower end (the upper is ``n - k + 1``), and
    the interval's exact coverage. ``k`` is 1 (the whole range) when no rank reaches `confidence`."""
    _check_confidence(confidence)
    if n < 1:
        raise ValueError(f"a median interval needs at least one value, got {n}")
    best = 1
    for k in range(1, (n + 1) // 2 + 1):
        if 2 * _binomial_half_cdf(n, k - 1) <= 1 - confidence:
            best = k
        else:
            break
    return best, 1 - 2 * _binomial_half_cdf(n, best - 1)


def runs_for_median(confidence: float = CONFIDENCE) -> int:
    """The fewest runs whose median interval reaches `confidence` (6 for 95%)."""
    n = 1
    while median_ranks(n, confidence)[1] < confidence:
        n += 1
    return n


def runs_for_ratio(confidence: float = CONFIDENCE) -> int:
    """The fewest runs of each side whose ratio interval reaches `confidence` (7 for 95%)."""
    return runs_for_median(1 - (1 - confidence) / 2)


#: The fewest runs from which a median's interval, and a table beside it, is a 95% interval.
RUNS_FOR_95 = runs_for_median()
#: The fewest runs of each strategy from which the ratio of their medians has a 95% interval.
RUNS_FOR_95_RATIO = runs_for_ratio()


def is_95(interval: Interval) -> bool:
    """Whether `interval` may be called a 95% interval: it covers with at least 95%."""
    return interval.coverage >= CONFIDENCE - 1e-12


def describe(interval: Interval | None, fmt: str, runs_for_95: int = RUNS_FOR_95) -> str:
    """An interval as a sentence quotes it: ``[95% CI low, high]`` where it is a 95% interval, else
    ``[low, high] (94% coverage; a 95% interval needs 6 runs)``, else ``(no interval; ...)``."""
    needs = f"a 95% interval needs {counted(runs_for_95, 'run')}"
    if interval is None or interval.coverage <= 0:
        return f"(no interval; {needs})"
    ends = f"{format(interval.low, fmt)}, {format(interval.high, fmt)}"
    if is_95(interval):
        return f"[95% CI {ends}]"
    return f"[{ends}] ({interval.coverage:.0%} coverage; {needs})"


def median_interval(
    values: Sequence[float] | npt.NDArray[np.generic], confidence: float = CONFIDENCE
) -> Interval:
    """The distribution-free interval of the median of `values` (see the module's note)."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    k, coverage = median_ranks(len(ordered), confidence)
    return Interval(float(ordered[k - 1]), float(ordered[len(ordered) - k]), coverage)


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> Interval:
    """The Wilson score interval of a rate of `successes` in `trials`."""
    _check_confidence(confidence)
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes} of {trials}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    rate = successes / trials
    scale = 1 + z * z / trials
    centre = (rate + z * z / (2 * trials)) / scale
    half = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials)) / scale
    # Rounding can put an end a hair past the rate at 0 or n successes; the rate is always inside.
    return Interval(max(0.0, min(centre - half, rate)), min(1.0, max(centre + half, rate)), confidence)


def share_interval(successes: int, trials: int) -> Interval | None:
    """The Wilson 95% interval of a share of runs, from `RUNS_FOR_95` runs; None on fewer, where
    its nominal 95% would claim more than the medians beside it can."""
    return wilson_interval(successes, trials) if trials >= RUNS_FOR_95 else None


def ratio_interval(
    numerator: Sequence[float] | npt.NDArray[np.generic],
    denominator: Sequence[float] | npt.NDArray[np.generic],
    confidence: float = CONFIDENCE,
) -> Interval:
    """An interval of median(numerator) / median(denominator), for positive samples (throughputs)."""
    _check_confidence(confidence)
    each = 1 - (1 - confidence) / 2  # Bonferroni: half the miss rate to each median
    top = median_interval(numerator, each)
    bottom = median_interval(denominator, each)
    if min(top.low, bottom.low) <= 0:
        raise ValueError("a ratio interval needs positive values")
    return Interval(
        top.low / bottom.high, top.high / bottom.low, max(0.0, 1 - (1 - top.coverage) - (1 - bottom.coverage))
    )


def median_ratio(
    numerator: Sequence[float] | npt.NDArray[np.generic],
    denominator: Sequence[float] | npt.NDArray[np.generic],
) -> float:
    """median(numerator) / median(denominator): the point estimate `ratio_interval` surrounds."""
    return float(np.median(np.asarray(numerator, dtype=np.float64))) / float(
        np.median(np.asarray(denominator, dtype=np.float64))
    )
