"""HammerRuns: repeated hammer runs of one setting on one machine, the one summary every report shows.

A setting is (strategy, engine, threads, work). The demo's runs, a sweep's record and
pytest-benchmark files all reduce to HammerRuns: medians and ranges of throughput and
drift, the runs that drifted, exactness and oversubscription, computed here once.

Drift is summarised by magnitude: a signed median lets lost decrements (counter too high)
and lost increments (too low) cancel, and shows 0 for a strategy that drifted in most
runs. Every median has an order-statistic interval with its real coverage (95% from
6 runs), every rate a Wilson interval from 6 runs (intervals.py);
where the runs recorded it, each run's least-running thread says whether the threads
really ran at once, and phased runs count the updates lost by direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.counted import counted_of
from pysgxalloc.hammer import CONCURRENT_FRACTION, HammerResult
from pysgxalloc.intervals import RUNS_FOR_95, Interval, is_95, median_interval, share_interval
from pysgxalloc.strategy import STRATEGIES, accuracy, parse_strategy

_STRATEGY_ORDER = {s.name: index for index, s in enumerate(STRATEGIES)}


@dataclass(frozen=True)
class Setting:
    """What was run: the key runs are grouped by."""

    strategy: str
    engine: str
    threads: int
    work: int

    def sort_key(self) -> tuple[int, str, str, int, int]:
        # Known strategies in the order reports list them, then any others by name.
        return (
            _STRATEGY_ORDER.get(self.strategy, len(_STRATEGY_ORDER)),
            self.strategy,
            self.engine,
            self.work,
            self.threads,
        )


#: The per-run figures a Run shares, by name, with a sweep's Measurement.
RUN_FIGURES = (
    "exact_drift",
    "running_fraction_min",
    "cpu_ns_per_op",
    "pin",
    "lost_per_million",
    "lost_decrements",
    "lost_increments",
)


@dataclass(frozen=True)
class Run:
    """One run's figures, as any source reports them."""

    setting: Setting
    ops_per_sec: float
    drift: int
    exact: bool | None
    exact_drift: int | None = None  #: the exact read's drift, where the source recorded it
    #: The least-running thread's CPU time over the wall time, where the source recorded it.
    running_fraction_min: float | None = None
    cpu_ns_per_op: float | None = None  #: all threads' CPU time per operation, where recorded
    pin: bool | None = None  #: None where the source did not say
    #: Phased runs: updates lost per million updates, both directions; None for unphased runs.
    lost_per_million: float | None = None
    #: Phased runs: decrements and increments lost over the run.
    lost_decrements: int | None = None
    lost_increments: int | None = None

    @classmethod
    def of(cls, result: HammerResult) -> Run:
        setting = Setting(result.strategy.name, result.engine, result.threads, result.work)
        return cls(
            setting,
            result.ops_per_sec,
            result.drift,
            result.exact,
            result.exact_drift,
            running_fraction_min=result.min_running_fraction,
            cpu_ns_per_op=result.cpu_ns_per_op,
            pin=result.pin,
            lost_per_million=result.lost_per_million if result.phased else None,
            lost_decrements=int(result.lost_decrements.sum()) if result.phased else None,
            lost_increments=int(result.lost_increments.sum()) if result.phased else None,
        )


@dataclass(frozen=True, eq=False)
class HammerRuns:
    """Repeated runs of one setting; the arrays hold one entry per run."""

    setting: Setting
    cpus: int  #: usable CPUs of the machine that ran them
    exact: bool | None  #: None when the strategy is not one this version knows
    ops_per_sec: npt.NDArray[np.float64]
    drift: npt.NDArray[np.int64]
    #: The exact read's drift per run; None where the source did not record it (result files).
    exact_drift: npt.NDArray[np.int64] | None = None
    #: Per run, the least-running thread's share of the wall time; None where not recorded.
    running_fraction: npt.NDArray[np.float64] | None = None
    #: Per run, CPU nanoseconds per operation; None where not recorded.
    cpu_ns_per_op: npt.NDArray[np.float64] | None = None
    #: Per run, updates lost per million (phased runs); None where the runs were not phased.
    lost_per_million: npt.NDArray[np.float64] | None = None
    #: Per run, the decrements and the increments lost (phased runs); None otherwise.
    lost_decrements: npt.NDArray[np.int64] | None = None
    lost_increments: npt.NDArray[np.int64] | None = None
    pinned: bool | None = None  #: every run pinned (True), none (False), or not recorded / mixed (None)

    @property
    def strategy(self) -> Strategy:
        """The strategy; ValueError for one this version does not know (from another version's file)."""
        return parse_strategy(self.setting.strategy)

    @property
    def accuracy(self) -> Accuracy:
        return accuracy(self.strategy)

    @property
    def runs(self) -> int:
        return len(self.ops_per_sec)

    @property
    def runs_with_drift(self) -> int:
        return int(np.count_nonzero(self.drift))

    @property
    def oversubscribed(self) -> bool:
        """More threads than usable CPUs: spinning waiters then measure the scheduler, not the counter."""
        return self.setting.threads > self.cpus

    @property
    def mops_median(self) -> float:
        return float(np.median(self.ops_per_sec)) / 1e6

    @property
    def mops_min(self) -> float:
        return float(self.ops_per_sec.min()) / 1e6

    @property
    def mops_max(self) -> float:
        return float(self.ops_per_sec.max()) / 1e6

    @property
    def mops_interval(self) -> Interval:
        """The median throughput's interval, in Mops/s (95% from `RUNS_FOR_95` runs; see its coverage)."""
        return median_interval(self.ops_per_sec / 1e6)

    @property
    def drift_median(self) -> float:
        """The signed median: lost decrements and increments cancel in it (kept for the JSON)."""
        return float(np.median(self.drift)) if len(self.drift) else 0.0

    @property
    def abs_drift(self) -> npt.NDArray[np.int64]:
        return np.abs(self.drift)

    @property
    def abs_drift_median(self) -> float:
        """Median |drift|: how far off a run's counter typically ended, whichever way."""
        return float(np.median(self.abs_drift)) if len(self.drift) else 0.0

    @property
    def abs_drift_interval(self) -> Interval:
        return median_interval(self.abs_drift)

    @property
    def abs_drift_max(self) -> int:
        return int(self.abs_drift.max()) if len(self.drift) else 0

    @property
    def drifted_share(self) -> float:
        return self.runs_with_drift / self.runs if self.runs else 0.0

    @property
    def drifted_interval(self) -> Interval | None:
        """Wilson 95% interval of the share of runs that drifted; None below `RUNS_FOR_95` runs."""
        return share_interval(self.runs_with_drift, self.runs)

    @property
    def concurrent_runs(self) -> int | None:
        """Runs whose every thread ran at least 90% of the wall time; None where not recorded."""
        if self.running_fraction is None:
            return None
        return int(np.count_nonzero(self.running_fraction >= CONCURRENT_FRACTION))

    @property
    def running_median(self) -> float | None:
        """Median over runs of the least-running thread's share of the wall time."""
        return None if self.running_fraction is None else float(np.median(self.running_fraction))

    @property
    def cpu_ns_median(self) -> float | None:
        return None if self.cpu_ns_per_op is None else float(np.median(self.cpu_ns_per_op))

    @property
    def phased(self) -> bool:
        return self.lost_per_million is not None

    @property
    def runs_that_lost(self) -> int:
        """Phased runs that lost an update in either direction (0 when not phased)."""
        return 0 if self.lost_per_million is None else int(np.count_nonzero(self.lost_per_million))

    @property
    def lost_per_million_median(self) -> float | None:
        return None if self.lost_per_million is None else float(np.median(self.lost_per_million))

    @property
    def lost_per_million_interval(self) -> Interval | None:
        return None if self.lost_per_million is None else median_interval(self.lost_per_million)

    def to_dict(self) -> dict[str, object]:
        """The summary as JSON. A median's interval is ``<name>_ci95: [low, high]`` only where it is a
        95% interval; below `RUNS_FOR_95` runs it is ``<name>_interval: {low, high, coverage}`` with its
        real coverage (none at all where that is 0: one run). A share gets its Wilson ``_ci95`` from
        `RUNS_FOR_95` runs. ``ci95_from_runs`` says how many runs a 95% interval needs. The signed
        drift's median and range stay beside the magnitudes."""
        lost = self.lost_per_million_interval
        running = None if self.running_fraction is None else median_interval(self.running_fraction)
        cpu_ns = None if self.cpu_ns_per_op is None else median_interval(self.cpu_ns_per_op)
        drifted = self.drifted_interval
        return {
            **asdict(self.setting),
            "runs": self.runs,
            "ci95_from_runs": RUNS_FOR_95,
            "cpus": self.cpus,
            "pinned": self.pinned,
            "mops_median": self.mops_median,
            **interval_fields("mops_median", self.mops_interval),
            "abs_drift_median": self.abs_drift_median,
            **interval_fields("abs_drift_median", self.abs_drift_interval),
            "abs_drift_max": self.abs_drift_max,
            "drift_median": self.drift_median,
            "drift_min": int(self.drift.min()) if self.runs else 0,
            "drift_max": int(self.drift.max()) if self.runs else 0,
            "runs_drifted": self.runs_with_drift,
            "drifted_share": self.drifted_share,
            **({} if drifted is None else {"drifted_share_ci95": drifted.as_list()}),
            "running_fraction_min_median": self.running_median,
            **interval_fields("running_fraction_min_median", running),
            "concurrent_runs": self.concurrent_runs,
            "cpu_ns_per_op_median": self.cpu_ns_median,
            **interval_fields("cpu_ns_per_op_median", cpu_ns),
            "lost_per_million_median": self.lost_per_million_median,
            **interval_fields("lost_per_million_median", lost),
            "runs_that_lost": self.runs_that_lost if self.phased else None,
        }

    def why_no_drift(self) -> str | None:
        """Why a strategy that can drift showed none here, as far as the runs tell; None when it drifted."""
        if self.runs_with_drift or self.accuracy is not Accuracy.drifts:
            return None
        reasons = []
        if self.setting.threads < 2:
            return "one thread: nothing to race with"
        if self.pinned is False:
            reasons.append("unpinned")
        if self.concurrent_runs is not None and self.concurrent_runs < self.runs:
            overlapped = counted_of(self.concurrent_runs, self.runs, "run")
            reasons.append(f"threads truly overlapped in only {overlapped}")
        if not reasons:
            reasons.append("too few operations for a collision")
        return ", ".join(reasons)


def interval_fields(name: str, interval: Interval | None) -> dict[str, object]:
    """How JSON carries a median's interval: ``<name>_ci95`` where it is a 95% interval, else
    ``<name>_interval`` with its real coverage; nothing where there is none or it covers 0%."""
    if interval is None or interval.coverage <= 0:
        return {}
    if is_95(interval):
        return {f"{name}_ci95": interval.as_list()}
    return {f"{name}_interval": {"low": interval.low, "high": interval.high, "coverage": interval.coverage}}


def group_runs(runs: Iterable[Run], cpus: int) -> list[HammerRuns]:
    """Runs of the same setting together, in the order their settings first appear."""
    by_setting: dict[Setting, list[Run]] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    return [_summary(setting, members, cpus) for setting, members in by_setting.items()]


def in_report_order(groups: Iterable[HammerRuns]) -> list[HammerRuns]:
    """Known strategies in the order reports list them, then engine, work and threads."""
    return sorted(groups, key=lambda group: group.setting.sort_key())


def summarize(results: Iterable[HammerResult]) -> list[HammerRuns]:
    """hammer() results grouped by setting, in the order they were run; CPUs from the first run."""
    found = list(results)
    return group_runs((Run.of(r) for r in found), found[0].cpus) if found else []


def _floats(values: list[float | None]) -> npt.NDArray[np.float64] | None:
    return None if None in values else np.array(values, dtype=np.float64)


def _ints(values: list[int | None]) -> npt.NDArray[np.int64] | None:
    return None if None in values else np.array(values, dtype=np.int64)


def _summary(setting: Setting, members: list[Run], cpus: int) -> HammerRuns:
    exact_drift = [m.exact_drift for m in members]
    pinned = {m.pin for m in members}
    return HammerRuns(
        setting=setting,
        cpus=cpus,
        exact=members[0].exact,
        ops_per_sec=np.array([m.ops_per_sec for m in members], dtype=np.float64),
        drift=np.array([m.drift for m in members], dtype=np.int64),
        exact_drift=None if None in exact_drift else np.array(exact_drift, dtype=np.int64),
        running_fraction=_floats([m.running_fraction_min for m in members]),
        cpu_ns_per_op=_floats([m.cpu_ns_per_op for m in members]),
        lost_per_million=_floats([m.lost_per_million for m in members]),
        lost_decrements=_ints([m.lost_decrements for m in members]),
        lost_increments=_ints([m.lost_increments for m in members]),
        pinned=pinned.pop() if len(pinned) == 1 else None,
    )
