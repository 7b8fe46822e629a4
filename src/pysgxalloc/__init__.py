"""pysgxalloc: the Linux SGX EPC allocator's free-page counter, modelled to drift for real.

In v5.13 to v5.16-rc1 the kernel changed one global free-page count under
per-node spinlocks, i.e. under different locks; it drifted, the reclaimer
stopped waking, and user space hung. This package runs that allocator in C++
from many OS threads (C++ std::threads, or Python threads each running chunks
in C++), with interchangeable counter strategies, and measures throughput and
drift.
"""

from pysgxalloc._core import Comparison, DoubleFreeError, InvariantError, Strategy
from pysgxalloc.compare import StrategySummary, compare_strategies
from pysgxalloc.hammer import ENGINES, Engine, HammerResult, hammer
from pysgxalloc.pool import EpcPool
from pysgxalloc.strategy import STRATEGIES, StrategyLike, is_exact, parse_strategy

__all__ = [
    "ENGINES",
    "STRATEGIES",
    "Comparison",
    "DoubleFreeError",
    "Engine",
    "EpcPool",
    "HammerResult",
    "InvariantError",
    "Strategy",
    "StrategyLike",
    "StrategySummary",
    "compare_strategies",
    "hammer",
    "is_exact",
    "parse_strategy",
]
