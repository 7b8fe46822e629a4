"""RunGroup: every run of one setting on one machine, summarised the way every report shows it.

A setting is (strategy, engine, threads, work). Sweeps and pytest-benchmark files
both reduce to run groups, which is what lets `report` put machines side by side
and the plots draw one line per strategy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc.strategy import STRATEGIES

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


@dataclass(frozen=True, eq=False)
class RunGroup:
    """Repeated runs of one setting; the arrays hold one entry per run."""

    setting: Setting
    cpus: int  #: usable CPUs of the machine that ran them
    exact: bool | None  #: None when the strategy is not one this version knows
    ops_per_sec: npt.NDArray[np.float64]
    drift: npt.NDArray[np.int64]

    @property
    def runs(self) -> int:
        return len(self.ops_per_sec)

    @property
    def runs_with_drift(self) -> int:
        return int(np.count_nonzero(self.drift))

    @property
    def oversubscribed(self) -> bool:
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


@dataclass(frozen=True)
class Run:
    """One run's figures, as any source reports them."""

    setting: Setting
    ops_per_sec: float
    drift: int
    exact: bool | None


def group_runs(runs: Iterable[Run], cpus: int) -> list[RunGroup]:
    """Runs of the same setting together, in report order."""
    by_setting: dict[Setting, list[Run]] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    return [
        RunGroup(
            setting=setting,
            cpus=cpus,
            exact=members[0].exact,
            ops_per_sec=np.array([m.ops_per_sec for m in members], dtype=np.float64),
            drift=np.array([m.drift for m in members], dtype=np.int64),
        )
        for setting, members in sorted(by_setting.items(), key=lambda item: item[0].sort_key())
    ]
