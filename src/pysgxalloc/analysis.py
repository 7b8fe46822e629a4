"""pysgxalloc.analysis: what to make of runs, beside the core that makes them (``import pysgxalloc``).

- intervals: 95% intervals of a median (order statistics), of a rate (Wilson) and of a ratio;
- summaries of repeated runs: `HammerRuns` (and `summarize` of hammer results), `ReclaimRuns`
  (`reclaim_runs`, `summarize_reclaim`), `LockupRuns` (`lockup_runs`, `summarize_lockups`);
- machine facts: `MachineInfo`, `Topology`, `usable_cpus`, `load_average`;
- comparisons: `compare_strategies` (every strategy hammered side by side) and the costs of every
  strategy (`measure_costs`, `CostSetup`, `StrategyCosts`).

Each name has its home in one module (intervals.py, hammer_runs.py, ...); this is their public face.
"""

from pysgxalloc.compare import compare_strategies
from pysgxalloc.hammer_runs import HammerRuns, summarize
from pysgxalloc.intervals import Interval, median_interval, median_ratio, ratio_interval, wilson_interval
from pysgxalloc.machine import MachineInfo, Topology, load_average, usable_cpus
from pysgxalloc.reclaim_runs import ReclaimRuns, reclaim_runs, summarize_reclaim
from pysgxalloc.soft_lockup import LockupRuns, lockup_runs, summarize_lockups
from pysgxalloc.strategy_costs import CostSetup, StrategyCosts, measure_costs

__all__ = [
    "CostSetup",
    "HammerRuns",
    "Interval",
    "LockupRuns",
    "MachineInfo",
    "ReclaimRuns",
    "StrategyCosts",
    "Topology",
    "compare_strategies",
    "load_average",
    "lockup_runs",
    "measure_costs",
    "median_interval",
    "median_ratio",
    "ratio_interval",
    "reclaim_runs",
    "summarize",
    "summarize_lockups",
    "summarize_reclaim",
    "usable_cpus",
    "wilson_interval",
]
