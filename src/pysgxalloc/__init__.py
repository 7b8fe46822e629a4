"""pysgxalloc: the Linux SGX EPC allocator's free-page counter, modelled to drift for real.

In v5.13 to v5.16-rc1 the kernel changed one global free-page count under
per-node spinlocks, i.e. under different locks; it drifted, the reclaimer
stopped waking, and user space hung. This package runs that allocator in C++
from many OS threads, with interchangeable counter strategies, measures
throughput and drift, and reproduces the hang end to end (reclaim_scenario).
"""

from pysgxalloc._core import Comparison, DoubleFreeError, InvariantError, ReclaimOutcome, Strategy
from pysgxalloc.compare import StrategySummary, compare_strategies
from pysgxalloc.hammer import HammerResult, hammer
from pysgxalloc.pool import EpcPool
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.strategy import STRATEGIES, StrategyLike, is_exact, parse_strategy

__all__ = [
    "STRATEGIES",
    "Comparison",
    "DoubleFreeError",
    "EpcPool",
    "HammerResult",
    "InvariantError",
    "ReclaimOutcome",
    "ReclaimResult",
    "Strategy",
    "StrategyLike",
    "StrategySummary",
    "compare_strategies",
    "hammer",
    "is_exact",
    "parse_strategy",
    "reclaim_scenario",
]
