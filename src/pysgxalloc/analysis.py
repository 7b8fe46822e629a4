"""pysgxalloc.analysis: what to make of runs, beside the core that makes them (``import pysgxalloc``).

- intervals: intervals of a median (order statistics, with their real coverage: `median_ranks`;
  `RUNS_FOR_95` runs give a 95% one, `RUNS_FOR_95_RATIO` for a ratio), of a rate (Wilson), of a ratio;
- summaries of repeated runs: `HammerRuns` (and `summarize` of hammer results), `ReclaimRuns`
  (`reclaim_runs`, `summarize_reclaim`), `LockupRuns` (`lockup_runs`, `summarize_lockups`);
- machine facts: `MachineInfo`, `Topology`, `usable_cpus`, `load_average`;
- comparisons: `compare_strategies` (every strategy hammered side by side) and the costs of every
  strategy (`measure_costs`, `CostSetup`, `StrategyCosts`), and the recommendation made from them,
  update and read cost weighed together (`recommend`, `Recommendation`, `Workload`, `SGX_FAULT_PATH`).

Each name has its home in one module (intervals.py, hammer_runs.py, ...); this is their public face.
"""

from pysgxalloc.compare import compare_strategies
from pysgxalloc.hammer_runs import HammerRuns, summarize
from pysgxalloc.intervals import (
    RUNS_FOR_95,
    RUNS_FOR_95_RATIO,
    Interval,
    describe,
    median_interval,
    median_ranks,
    median_ratio,
    ratio_interval,
    wilson_interval,
)
from pysgxalloc.machine import MachineInfo, Topology, load_average, usable_cpus
from pysgxalloc.reclaim_runs import ReclaimRuns, reclaim_runs, summarize_reclaim
from pysgxalloc.recommend import SGX_FAULT_PATH, Recommendation, Workload, recommend
from pysgxalloc.soft_lockup import LockupRuns, lockup_runs, summarize_lockups
from pysgxalloc.strategy_costs import CostSetup, StrategyCosts, measure_costs

__all__ = [
    "RUNS_FOR_95",
    "RUNS_FOR_95_RATIO",
    "SGX_FAULT_PATH",
    "CostSetup",
    "HammerRuns",
    "Interval",
    "LockupRuns",
    "MachineInfo",
    "ReclaimRuns",
    "Recommendation",
    "StrategyCosts",
    "Topology",
    "Workload",
    "compare_strategies",
    "describe",
    "load_average",
    "lockup_runs",
    "measure_costs",
    "median_interval",
    "median_ranks",
    "median_ratio",
    "ratio_interval",
    "reclaim_runs",
    "recommend",
    "summarize",
    "summarize_lockups",
    "summarize_reclaim",
    "usable_cpus",
    "wilson_interval",
]
