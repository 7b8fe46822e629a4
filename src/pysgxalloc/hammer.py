"""hammer(): many OS threads churn one pool, and the result measured; two engines run the team.

``engine="native"`` starts std::threads in C++ (csrc/harness/hammer.cpp); ``engine="python"``
starts threading.Thread workers that each call the same C++ loop in chunks with the
GIL released (_python_engine.py). Both run the same traffic and report the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core, _test_hooks, pool_shape
from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc._python_engine import PythonEngineStats, check_chunk, run_python_engine
from pysgxalloc.hammer_settings import ENGINES, PHASED_BATCH, Engine, HammerSettings, parse_engine
from pysgxalloc.machine import usable_cpus
from pysgxalloc.pool_shape import NODES_FROM_PAGES, NodesArg, NodeSearchLike, PagesPerNode, checked_shape
from pysgxalloc.strategy import StrategyLike, accuracy, is_exact, parse_strategy

__all__ = [
    "CONCURRENT_FRACTION",
    "ENGINES",
    "Engine",
    "HammerResult",
    "HammerSettings",
    "check_hammer_settings",
    "hammer",
    "parse_engine",
    "run_hammer",
]

#: The least share of the wall time every thread must have run for a run to count as truly concurrent.
CONCURRENT_FRACTION = 0.9

#: hammer()'s defaults, so its signature and HammerSettings cannot disagree.
_DEFAULT = HammerSettings()


@dataclass(frozen=True, eq=False, repr=False)
class HammerResult:
    """One hammer run, measured by the run itself; drift is read with every thread stopped.

    Counts come from C++ in both engines; the clock runs in C++ (native) or in
    Python (python engine: perf_counter at the start barrier and after the last
    join), in both cases around the whole team and never around a Python call.
    """

    strategy: Strategy
    engine: Engine  #: which team ran it: C++ std::threads or Python threading.Thread workers
    threads: int
    nodes: int
    pages_per_node: int | tuple[int, ...]  #: as given: one count for every node, or one per node
    batch: int
    rounds: int
    work: int
    pin: bool
    hold: int  #: pages each worker held through every round
    counter_batch: int  #: percpu_batch's batch (the default when none was given)
    packed: bool  #: per-node and per-thread cells shared cache lines (the padding ablation)
    cpus: int  #: CPUs this process could use during the run
    total_ops: int  #: allocation attempts plus frees, all threads
    wall_seconds: float  #: start barrier released to last thread joined
    alloc_failures: int  #: attempts that found every free list empty
    counter: int  #: the cheap read after the last round
    exact_count: int  #: the strategy's exact read after the last round
    read_error_bound: int  #: the most counter could differ from exact_count then
    true_free: int  #: the sum of the free lists' lengths after the last round
    per_thread_ops: npt.NDArray[np.int64]
    drift_by_round: npt.NDArray[np.int64]  #: counter - true_free after each round
    exact_drift_by_round: npt.NDArray[np.int64]  #: exact_count - true_free after each round
    phased: bool = False  #: allocations and frees in separate phases (lost updates by direction)
    #: Phased runs: per round, the decrements lost (counter left too high); zeros otherwise.
    lost_decrements: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Phased runs: per round, the increments lost (counter left too low); zeros otherwise.
    lost_increments: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Each worker's CPU time (CLOCK_THREAD_CPUTIME_ID) over the timed section.
    thread_cpu_seconds: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def accuracy(self) -> Accuracy:
        return accuracy(self.strategy)

    @property
    def drift(self) -> int:
        """counter - true_free at the end: updates the counter lost (negative) or gained."""
        return self.counter - self.true_free

    @property
    def exact_drift(self) -> int:
        """exact_count - true_free at the end: non-zero only where updates were lost for good."""
        return self.exact_count - self.true_free

    @property
    def ops_per_sec(self) -> float:
        return self.total_ops / self.wall_seconds if self.wall_seconds > 0 else float("inf")

    @property
    def ns_per_op(self) -> float:
        """Wall nanoseconds one thread spends per operation (threads x wall / operations)."""
        return 1e9 * self.threads * self.wall_seconds / self.total_ops

    @property
    def oversubscribed(self) -> bool:
        """More threads than usable CPUs: spinning waiters then measure the scheduler, not the counter."""
        return self.threads > self.cpus

    @property
    def running_fraction(self) -> npt.NDArray[np.float64]:
        """Per thread, its CPU time over the run's wall time: 1 when it ran throughout, 0.4 when the
        scheduler ran something else 60% of the time (then threads seldom raced at all)."""
        if self.wall_seconds <= 0:
            return np.ones_like(self.thread_cpu_seconds)
        return np.asarray(self.thread_cpu_seconds / self.wall_seconds, dtype=np.float64)

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
        return 1e9 * float(self.thread_cpu_seconds.sum()) / self.total_ops if self.total_ops else 0.0

    @property
    def lost_updates(self) -> int:
        """Phased runs: every update lost, in both directions (at least |drift|; 0 for unphased runs)."""
        return int(self.lost_decrements.sum() + self.lost_increments.sum())

    @property
    def lost_per_million(self) -> float:
        """Phased runs: updates lost per million updates (one alloc or free each)."""
        return 1e6 * self.lost_updates / self.total_ops if self.total_ops else 0.0

    def __repr__(self) -> str:
        label = " (oversubscribed)" if self.oversubscribed else ""
        layout = ", packed" if self.packed else ""
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
                f", lost {int(self.lost_decrements.sum())} decrements "
                f"and {int(self.lost_increments.sum())} increments"
                if self.phased
                else ""
            )
            + ")"
        )


def hammer(
    strategy: StrategyLike,
    *,
    threads: int = _DEFAULT.threads,
    nodes: NodesArg = NODES_FROM_PAGES,
    pages_per_node: PagesPerNode = _DEFAULT.pages_per_node,
    ops: int = _DEFAULT.ops,
    batch: int | None = None,
    rounds: int = _DEFAULT.rounds,
    work: int = _DEFAULT.work,
    pin: bool = _DEFAULT.pin,
    hold: int = _DEFAULT.hold,
    counter_batch: int | None = _DEFAULT.counter_batch,
    packed: bool = _DEFAULT.packed,
    phased: bool = _DEFAULT.phased,
    engine: Engine = _DEFAULT.engine,
    chunk: int = _DEFAULT.chunk,
    node_search: NodeSearchLike = _DEFAULT.node_search,
) -> HammerResult:
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
    moments). `counter_batch` is percpu_batch's batch (default ``max(32, 2 x
    usable CPUs)``); `packed` puts per-node and per-thread cells on shared cache
    lines (the padding ablation).

    `phased` splits each iteration in two with a barrier between: every worker
    allocates its batch, all meet and the drift is read, then every worker frees,
    all meet and it is read again. Each phase changes the counter one way only,
    so ``lost_decrements`` and ``lost_increments`` (per round) count the updates
    each direction lost, which net drift (a random walk: the two cancel) cannot.
    Two barriers per iteration, each waiting for every thread to be scheduled, so
    `batch` defaults to ``PHASED_BATCH`` (1,024 pages) in a phased run and to 1 otherwise.

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
    (`nodes` then defaults to its length; otherwise to 2). Workers whose node ``i %
    nodes`` is CPU-only allocate from the nodes with EPC as `node_search` says. With
    ``NodeSearch.v5_13_until_caller`` such a worker that finds every list empty would
    spin in the kernel for good; here it gives its pages back and stops, the others
    finish their share, and ``hammer`` raises ``SoftLockupError`` (naming the node)
    once the lists have been checked: a run with a lockup has no throughput to report.
    """
    shape = checked_shape(nodes, pages_per_node, node_search)
    settings = HammerSettings(
        threads=threads,
        nodes=shape.nodes,
        pages_per_node=shape.pages_per_node,
        ops=ops,
        batch=_default_batch(phased) if batch is None else batch,
        rounds=rounds,
        work=work,
        pin=pin,
        hold=hold,
        counter_batch=counter_batch,
        packed=packed,
        phased=phased,
        engine=engine,
        chunk=chunk,
        node_search=shape.node_search,
    )
    return run_hammer(strategy, settings)


def _default_batch(phased: object) -> int:
    """hammer()'s batch when the caller gives none: hundreds of pages between a phased run's barriers."""
    return PHASED_BATCH if phased is True else _DEFAULT.batch


def run_hammer(strategy: StrategyLike, settings: HammerSettings) -> HammerResult:
    """``hammer()`` with its settings in one value: what a sweep or the demo runs, one run at a time."""
    parsed = parse_strategy(strategy)
    fail_worker = _test_hooks.fail_worker
    cpus = usable_cpus()
    stats: _core.HammerStats | PythonEngineStats
    if settings.engine == "python":
        plan = _plan_native(settings, fail_worker)
        stats = run_python_engine(parsed, settings, plan, fail_worker)
    else:
        stats = _run_native(parsed, settings, fail_worker)
    return HammerResult(
        strategy=parsed,
        engine=settings.engine,
        threads=settings.threads,
        nodes=settings.nodes,
        pages_per_node=settings.pages_per_node,
        batch=settings.batch,
        rounds=settings.rounds,
        work=settings.work,
        pin=settings.pin,
        hold=settings.hold,
        counter_batch=stats.counter_batch,
        packed=settings.packed,
        cpus=cpus,
        total_ops=stats.total_ops,
        wall_seconds=stats.wall_seconds,
        alloc_failures=stats.alloc_failures,
        counter=stats.counter,
        exact_count=stats.exact_count,
        read_error_bound=stats.read_error_bound,
        true_free=stats.true_free,
        per_thread_ops=stats.per_thread_ops,
        drift_by_round=stats.drift_by_round,
        exact_drift_by_round=stats.exact_drift_by_round,
        phased=settings.phased,
        lost_decrements=stats.lost_decrements,
        lost_increments=stats.lost_increments,
        thread_cpu_seconds=stats.thread_cpu_seconds,
    )


def check_hammer_settings(settings: HammerSettings) -> None:
    """Raise the ValueError that ``run_hammer()`` would for these settings, and run nothing.

    For callers that plan many runs (a sweep) and must refuse bad input before the first one.
    """
    _plan_native(settings)
    if settings.engine == "python":  # as in run_hammer(): only the Python engine splits work into chunks
        check_chunk(settings.chunk)


# The settings that only the Python engine reads; every other field is the core's HammerConfig's, by name.
_PYTHON_ENGINE_ONLY = frozenset({"engine", "chunk"})


def _native_config(settings: HammerSettings, fail_worker: int) -> _core.HammerConfig:
    """The core's configuration of `settings`, every field filled by its own name."""
    values = {item.name: getattr(settings, item.name) for item in fields(settings)}
    for name in _PYTHON_ENGINE_ONLY:
        del values[name]
    del values["pages_per_node"]  # the shape's fields replace it: one count, or node_pages
    shape = pool_shape.CheckedShape(settings.nodes, settings.pages_per_node, settings.node_search)
    values.update(shape.native_fields())
    return native_config(_core.HammerConfig, fail_worker=fail_worker, **values)


# The only two calls into the native engine.
def _plan_native(settings: HammerSettings, fail_worker: int = -1) -> _core.HammerPlan:
    """The core's range checks of `settings`, and how it splits each worker's share into rounds."""
    return _core.plan_hammer(_native_config(settings, fail_worker))


def _run_native(strategy: Strategy, settings: HammerSettings, fail_worker: int) -> _core.HammerStats:
    """One run of std::threads in C++, with the GIL released."""
    return _core.hammer(strategy, _native_config(settings, fail_worker))
