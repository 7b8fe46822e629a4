"""HammerRuns: repeated hammer runs of one setting on one machine, the one summary every report shows.

A setting is (strategy, engine, threads, work). The demo's runs, a sweep's record and
pytest-benchmark files all reduce to HammerRuns: medians and ranges of throughput and
drift, the runs that drifted, exactness and oversubscription, computed here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.hammer import HammerResult
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


@dataclass(frozen=True)
class Run:
    """One run's figures, as any source reports them."""

    setting: Setting
    ops_per_sec: float
    drift: int
    exact: bool | None
    exact_drift: int | None = None  #: the exact read's drift, where the source recorded it

    @classmethod
    def of(cls, result: HammerResult) -> Run:
        setting = Setting(result.strategy.name, result.engine, result.threads, result.work)
        return cls(setting, result.ops_per_sec, result.drift, result.exact, result.exact_drift)


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
    def drift_median(self) -> float:
        return float(np.median(self.drift)) if len(self.drift) else 0.0


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


def _summary(setting: Setting, members: list[Run], cpus: int) -> HammerRuns:
    exact_drift = [m.exact_drift for m in members]
    return HammerRuns(
        setting=setting,
        cpus=cpus,
        exact=members[0].exact,
        ops_per_sec=np.array([m.ops_per_sec for m in members], dtype=np.float64),
        drift=np.array([m.drift for m in members], dtype=np.int64),
        exact_drift=None if None in exact_drift else np.array(exact_drift, dtype=np.int64),
    )
