"""pysgxalloc: the Linux SGX EPC allocator's free-page counter, modelled to drift for real.

In v5.13 to v5.16-rc1 the kernel changed one global free-page count under
per-node spinlocks, i.e. under different locks; it drifted, the reclaimer
stopped waking, and user space hung. This package runs that allocator in C++
from many OS threads (C++ std::threads, or Python threads each running chunks
in C++), with interchangeable counter strategies, measures throughput and
drift, and reproduces the hang end to end (reclaim_scenario).
"""

from pysgxalloc._core import (
    CALLER_SLOT,
    MAX_THREADS,
    Accuracy,
    Comparison,
    DoubleFreeError,
    InvariantError,
    PlainUpdate,
    ReclaimOutcome,
    Strategy,
    WatermarkRead,
    default_counter_batch,
)
from pysgxalloc.compare import compare_strategies
from pysgxalloc.hammer import ENGINES, Engine, HammerResult, hammer
from pysgxalloc.hammer_runs import HammerRuns
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.paused_update import PausedUpdateResult, paused_update
from pysgxalloc.pool import EpcPool
from pysgxalloc.read_cost import ReadCostResult, read_cost
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.strategy import STRATEGIES, StrategyLike, accuracy, is_exact, parse_strategy

__all__ = [
    "CALLER_SLOT",
    "ENGINES",
    "MAX_THREADS",
    "STRATEGIES",
    "Accuracy",
    "Comparison",
    "DoubleFreeError",
    "Engine",
    "EpcPool",
    "HammerResult",
    "HammerRuns",
    "HammerSettings",
    "InvariantError",
    "PausedUpdateResult",
    "PlainUpdate",
    "ReadCostResult",
    "ReclaimOutcome",
    "ReclaimResult",
    "Strategy",
    "StrategyLike",
    "WatermarkRead",
    "accuracy",
    "compare_strategies",
    "default_counter_batch",
    "hammer",
    "is_exact",
    "parse_strategy",
    "paused_update",
    "read_cost",
    "reclaim_scenario",
]
