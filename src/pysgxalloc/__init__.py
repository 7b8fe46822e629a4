"""pysgxalloc: the Linux SGX EPC allocator's free-page counter, modelled to drift for real.

In v5.13 to v5.16-rc1 the kernel changed one global free-page count under
per-node spinlocks, i.e. under different locks; it drifted, the reclaimer
stopped waking, and user space hung. This package runs that allocator in C++
from many OS threads (C++ std::threads, or Python threads each running chunks
in C++), with interchangeable counter strategies, measures throughput and
drift, reproduces the hang end to end (reclaim_scenario), and runs every
interleaving of small runs under a deterministic scheduler (explore, explore_hang).
The same function's second bug, the v5.13 NUMA node search that never ends for a
caller on a node without EPC, is modelled too (NodeSearch, SoftLockupError).

This is the core: the pool, the runs (each with its settings type and its result type), the
strategies and the errors. What to make of many runs (intervals, summaries, the machine,
comparisons) is in ``pysgxalloc.analysis``.
"""

from pysgxalloc._core import (
    CALLER_SLOT,
    MAX_THREADS,
    SOFT_LOCKUP_LAPS,
    Accuracy,
    Comparison,
    DoubleFreeError,
    InvariantError,
    MemoryLayout,
    NodeSearch,
    PlainUpdate,
    ReclaimOutcome,
    SgxAllocError,
    SoftLockupError,
    Strategy,
    WatermarkRead,
    default_counter_batch,
)
from pysgxalloc._version import installed_version
from pysgxalloc.drift_walk import DriftWalk
from pysgxalloc.errors import StrategyBuildError
from pysgxalloc.explore import ExploreInterrupted, ExploreResult, PctBound, ScheduleRun, explore, explore_hang
from pysgxalloc.explore_settings import ExploreSettings, HangSettings
from pysgxalloc.explore_trace import TraceStep
from pysgxalloc.hammer import HammerResult, hammer
from pysgxalloc.hammer_settings import ENGINES, Engine, HammerSettings
from pysgxalloc.paused_update import PausedUpdateResult, paused_update
from pysgxalloc.paused_update_settings import PausedUpdateSettings
from pysgxalloc.pool import EpcPool
from pysgxalloc.read_cost import ReadCostResult, read_cost
from pysgxalloc.read_cost_settings import ReadCostSettings
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.reclaim_settings import ReclaimSettings
from pysgxalloc.schedule_file import SavedSchedule, ScheduleFileError, replay_file
from pysgxalloc.strategy import STRATEGIES, StrategyLike, accuracy, is_exact, parse_strategy, strategies
from pysgxalloc.update_log import UpdateLog
from pysgxalloc.user_strategy import get_cmake_dir, get_include, load_plugins, load_strategy

#: The installed distribution's version (pyproject.toml's), as ``pip show pysgxalloc`` reports it.
__version__: str = installed_version()

__all__ = [
    "CALLER_SLOT",
    "ENGINES",
    "MAX_THREADS",
    "SOFT_LOCKUP_LAPS",
    "STRATEGIES",
    "Accuracy",
    "Comparison",
    "DoubleFreeError",
    "DriftWalk",
    "Engine",
    "EpcPool",
    "ExploreInterrupted",
    "ExploreResult",
    "ExploreSettings",
    "HammerResult",
    "HammerSettings",
    "HangSettings",
    "InvariantError",
    "MemoryLayout",
    "NodeSearch",
    "PausedUpdateResult",
    "PausedUpdateSettings",
    "PctBound",
    "PlainUpdate",
    "ReadCostResult",
    "ReadCostSettings",
    "ReclaimOutcome",
    "ReclaimResult",
    "ReclaimSettings",
    "SavedSchedule",
    "ScheduleFileError",
    "ScheduleRun",
    "SgxAllocError",
    "SoftLockupError",
    "Strategy",
    "StrategyBuildError",
    "StrategyLike",
    "TraceStep",
    "UpdateLog",
    "WatermarkRead",
    "accuracy",
    "default_counter_batch",
    "explore",
    "explore_hang",
    "get_cmake_dir",
    "get_include",
    "hammer",
    "is_exact",
    "load_plugins",
    "load_strategy",
    "parse_strategy",
    "paused_update",
    "read_cost",
    "reclaim_scenario",
    "replay_file",
    "strategies",
]
