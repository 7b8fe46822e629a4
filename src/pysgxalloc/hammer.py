"""hammer(): many OS threads churn one pool, and the result measured; two engines run the team.

``engine="native"`` starts std::threads in C++ (csrc/harness/hammer.cpp); ``engine="python"``
starts threading.Thread workers that each call the same C++ loop in chunks with the GIL
released (_python_engine.py). Both run the same traffic and report the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core, _test_hooks
from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc._python_engine import PythonEngineStats, check_chunk, run_python_engine
from pysgxalloc.counted import counted
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.machine import usable_cpus
from pysgxalloc.settings import SettingsAndStats, keyword_function
from pysgxalloc.strategy import StrategyLike, accuracy, is_exact, parse_strategy

__all__ = [
    "CONCURRENT_FRACTION",
    "HammerResult",
    "HammerStats",
    "check_hammer_settings",
    "hammer",
    "run_hammer",
]

#: The least share of the wall time every thread must have run for a run to count as truly concurrent.
CONCURRENT_FRACTION = 0.9

#: What a run measured: the core's own (native engine), or the same fields from the Python engine.
HammerStats = _core.HammerStats | PythonEngineStats


@dataclass(frozen=True, eq=False, repr=False)
class HammerResult(SettingsAndStats):
    """One hammer run: its settings and what it measured; drift is read with every thread stopped.

    Counts come from C++ in both engines; the clock runs in C++ (native) or in
    Python (python engine: perf_counter at the start barrier and after the last
    join), in both cases around the whole team and never around a Python call.
    Every setting reads as an attribute (``result.threads`` is ``result.settings.threads``), and so
    does every figure of the stats (``result.total_ops``, ``result.drift_by_round``,
    ``result.counter_batch``: the batch percpu_batch really used): see `SettingsAndStats`.

    What each figure of the stats means: `PythonEngineStats`, whose fields are the core's HammerStats'.
    """

    strategy: Strategy
    settings: HammerSettings
    stats: HammerStats
    cpus: int  #: CPUs this process could use during the run

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def accuracy(self) -> Accuracy:
        return accuracy(self.strategy)

    @property
    def drift(self) -> int:
        """counter - true_free at the end: updates the counter lost (negative) or gained."""
        return self.stats.counter - self.stats.true_free

    @property
    def exact_drift(self) -> int:
        """exact_count - true_free at the end: non-zero only where updates were lost for good."""
        return self.stats.exact_count - self.stats.true_free

    @property
    def ops_per_sec(self) -> float:
        stats = self.stats
        return stats.total_ops / stats.wall_seconds if stats.wall_seconds > 0 else float("inf")

    @property
    def ns_per_op(self) -> float:
        """Wall nanoseconds one thread spends per operation (threads x wall / operations)."""
        return 1e9 * self.settings.threads * self.stats.wall_seconds / self.stats.total_ops

    @property
    def oversubscribed(self) -> bool:
        """More threads than usable CPUs: spinning waiters then measure the scheduler, not the counter."""
        return self.settings.threads > self.cpus

    @property
    def running_fraction(self) -> npt.NDArray[np.float64]:
        """Per thread, its CPU time over the run's wall time: 1 when it ran throughout, 0.4 when the
        scheduler ran something else 60% of the time (then threads seldom raced at all)."""
        stats = self.stats
        if stats.wall_seconds <= 0:
            return np.ones_like(stats.thread_cpu_seconds)
        return np.asarray(stats.thread_cpu_seconds / stats.wall_seconds, dtype=np.float64)

    @property
    def min_running_fraction(self) -> float:
        """The least-running thread's fraction: what decides whether the threads really ran at once."""
        fractions = self.running_fraction
        return float(fractions.min()) if len(fractions) else 0.0

    @property
    def concurrent(self) -> bool:
        """Every thread ran at least `CONCURRENT_FRACTION` of the wall time: truly at once."""
        return self.min_running_fraction >= CONCURRENT_FRACTION

    @property
    def cpu_ns_per_op(self) -> float:
        """CPU nanoseconds per operation (all threads' CPU time / operations): far steadier than
        `ns_per_op` on a shared machine, since time the thread did not run does not count."""
        stats = self.stats
        return 1e9 * float(stats.thread_cpu_seconds.sum()) / stats.total_ops if stats.total_ops else 0.0

    @property
    def lost_updates(self) -> int:
        """Phased runs: every update lost, in both directions (at least |drift|; 0 for unphased runs)."""
        return int(self.stats.lost_decrements.sum() + self.stats.lost_increments.sum())

    @property
    def lost_per_million(self) -> float:
        """Phased runs: updates lost per million updates (one alloc or free each)."""
        total = self.stats.total_ops
        return 1e6 * self.lost_updates / total if total else 0.0

    def __repr__(self) -> str:
        label = " (oversubscribed)" if self.oversubscribed else ""
        layout = f", layout={self.layout.name}" + (", packed" if self.packed else "")
        # Only a bounded strategy's exact read can differ from its cheap one.
        exact = f", exact_drift={self.exact_drift:+d}" if self.accuracy is Accuracy.bounded else ""
        return (
            f"HammerResult(strategy={self.strategy.name}{layout}, engine={self.engine}, "
            f"threads={self.threads} on {self.cpus} CPUs{label}, "
            f"nodes={self.nodes}, ops={self.total_ops:,} in {self.wall_seconds:.4f} s "
            f"= {self.ops_per_sec / 1e6:.2f} Mops/s, drift={self.drift:+d}{exact} "
            f"(counter={self.counter}, true_free={self.true_free}), rounds={self.rounds}, "
            f"alloc_failures={self.alloc_failures}, running {self.min_running_fraction:.0%}+ of the time"
            + (
                f", lost {counted(int(self.lost_decrements.sum()), 'decrement')} "
                f"and {counted(int(self.lost_increments.sum()), 'increment')}"
                if self.phased
                else ""
            )
            + ")"
        )


def run_hammer(strategy: StrategyLike, settings: HammerSettings) -> HammerResult:
    """Run `threads` OS threads against one fresh pool and measure throughput and drift.

    Worker ``i`` uses node ``i % nodes`` as its local node (the model's
    ``numa_node_id()``). Each iteration allocates `batch` pages, then frees them;
    `ops` is the operations (one alloc or one free each) per thread over all
    rounds, rounded up to whole batches, at least one per round. `work` adds that
    many turns of an empty loop (about a cycle each) between operations, which
    makes counter updates collide less often. After each of the `rounds` every
    thread stops at a barrier and the drift is read, so ``drift_by_round`` shows
    whether drift ever corrects itself. `pin` puts worker ``i`` on the ``i``-th
    usable CPU, wrapping round.

    Worker ``i`` uses slot ``i`` for per-thread counter state. `hold` pages per
    worker are allocated before the clock starts and freed after the last round,
    so each round's quiescent reading happens with pages out (where percpu_batch's
    unfolded deltas show; ``exact_drift_by_round`` reads the exact sum at the same
    moments). `counter_batch` is percpu_batch's batch; `packed` puts per-node and
    per-thread cells on shared cache lines (the padding ablation). `layout` places the
    pool's hot objects: ``padded`` (the default: a comparison of designs) or ``kernel``
    (v5.15's sharing, docs/layout.md).

    `phased` splits each iteration in two with a barrier between: every worker
    allocates its batch, all meet and the drift is read, then every worker frees,
    all meet and it is read again. Each phase changes the counter one way only,
    so ``lost_decrements`` and ``lost_increments`` (per round) count the updates
    each direction lost, which net drift (a random walk: the two cancel) cannot.
    Two barriers per iteration, each waiting for every thread to be scheduled, so
    a phased run's `batch` defaults to ``PHASED_BATCH`` pages rather than one.

    Every worker's CPU time is measured over the timed section
    (``thread_cpu_seconds``); ``running_fraction`` says how much of the wall time
    each thread really ran, and ``concurrent`` whether all ran at least 90% of it.
    Time a thread spends blocked in a barrier counts as not running, so phased runs
    (two barriers per batch) read lower than churned ones.

    `engine` picks who runs the threads: ``"native"`` (std::threads in C++) or
    ``"python"`` (threading.Thread workers, each calling ``Pool.churn`` with about
    `chunk` operations at a time with the GIL released; _python_engine.py). Every
    argument is checked before any thread starts; a worker's error is raised here
    after every thread has joined, and Ctrl-C stops either engine within a second.

    `pages_per_node` may list one count per node, 0 for a node with CPUs but no EPC
    (`nodes` then defaults to its length). Workers whose node ``i %
    nodes`` is CPU-only allocate from the nodes with EPC as `node_search` says. With
    ``NodeSearch.v5_13_until_caller`` such a worker that finds every list empty would
    spin in the kernel for good; here it gives its pages back and stops, the others
    finish their share, and ``hammer`` raises ``SoftLockupError`` (naming the node)
    once the lists have been checked: a run with a lockup has no throughput to report.
    """
    parsed = parse_strategy(strategy)
    fail_worker = _test_hooks.fail_worker
    cpus = usable_cpus()
    stats: HammerStats
    if settings.engine == "python":
        plan = _plan_native(settings, fail_worker)
        stats = run_python_engine(parsed, settings, plan, fail_worker)
    else:
        stats = _run_native(parsed, settings, fail_worker)
    return HammerResult(parsed, settings, stats, cpus)


#: ``run_hammer`` with every setting a keyword: ``hammer("atomic", threads=2)``.
hammer = keyword_function(run_hammer, HammerSettings, "hammer")


def check_hammer_settings(settings: HammerSettings) -> None:
    """Raise the ValueError that ``run_hammer()`` would for these settings, and run nothing.

    For callers that plan many runs (a sweep) and must refuse bad input before the first one.
    """
    _plan_native(settings)
    if settings.engine == "python":  # as in run_hammer(): only the Python engine splits work into chunks
        check_chunk(settings.chunk)


def _native_config(settings: HammerSettings, fail_worker: int) -> _core.HammerConfig:
    """The core's configuration of `settings`, every field filled by its own name."""
    return native_config(_core.HammerConfig, fail_worker=fail_worker, **settings.native_fields())


# The only two calls into the native engine.
def _plan_native(settings: HammerSettings, fail_worker: int = -1) -> _core.HammerPlan:
    """The core's range checks of `settings`, and how it splits each worker's share into rounds."""
    return _core.plan_hammer(_native_config(settings, fail_worker))


def _run_native(strategy: Strategy, settings: HammerSettings, fail_worker: int) -> _core.HammerStats:
    """One run of std::threads in C++, with the GIL released."""
    return _core.hammer(strategy, _native_config(settings, fail_worker))
