"""hammer(): many OS threads churn one pool, and the result measured; two engines run the team.

``engine="native"`` starts std::threads in C++ (csrc/harness/hammer.cpp); ``engine="python"``
starts threading.Thread workers that each call the same C++ loop in chunks with the
GIL released (_python_engine.py). Both run the same traffic and report the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core, _test_hooks
from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc._python_engine import PythonEngineStats, check_chunk, run_python_engine
from pysgxalloc.hammer_settings import ENGINES, Engine, HammerSettings, parse_engine
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import StrategyLike, accuracy, is_exact, parse_strategy

__all__ = [
    "ENGINES",
    "Engine",
    "HammerResult",
    "HammerSettings",
    "check_hammer_settings",
    "hammer",
    "parse_engine",
    "run_hammer",
]

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
    pages_per_node: int
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
            f"alloc_failures={self.alloc_failures})"
        )


def hammer(
    strategy: StrategyLike,
    *,
    threads: int = _DEFAULT.threads,
    nodes: int = _DEFAULT.nodes,
    pages_per_node: int = _DEFAULT.pages_per_node,
    ops: int = _DEFAULT.ops,
    batch: int = _DEFAULT.batch,
    rounds: int = _DEFAULT.rounds,
    work: int = _DEFAULT.work,
    pin: bool = _DEFAULT.pin,
    hold: int = _DEFAULT.hold,
    counter_batch: int | None = _DEFAULT.counter_batch,
    packed: bool = _DEFAULT.packed,
    engine: Engine = _DEFAULT.engine,
    chunk: int = _DEFAULT.chunk,
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

    `engine` picks who runs the threads: ``"native"`` (std::threads in C++) or
    ``"python"`` (threading.Thread workers, each calling ``Pool.churn`` with about
    `chunk` operations at a time with the GIL released; _python_engine.py). Every
    argument is checked before any thread starts; a worker's error is raised here
    after every thread has joined, and Ctrl-C stops either engine within a second.
    """
    settings = HammerSettings(
        threads=threads,
        nodes=nodes,
        pages_per_node=pages_per_node,
        ops=ops,
        batch=batch,
        rounds=rounds,
        work=work,
        pin=pin,
        hold=hold,
        counter_batch=counter_batch,
        packed=packed,
        engine=engine,
        chunk=chunk,
    )
    return run_hammer(strategy, settings)


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
    values = {field.name: getattr(settings, field.name) for field in fields(settings)}
    for name in _PYTHON_ENGINE_ONLY:
        del values[name]
    return native_config(_core.HammerConfig, fail_worker=fail_worker, **values)


# The only two calls into the native engine.
def _plan_native(settings: HammerSettings, fail_worker: int = -1) -> _core.HammerPlan:
    """The core's range checks of `settings`, and how it splits each worker's share into rounds."""
    return _core.plan_hammer(_native_config(settings, fail_worker))


def _run_native(strategy: Strategy, settings: HammerSettings, fail_worker: int) -> _core.HammerStats:
    """One run of std::threads in C++, with the GIL released."""
    return _core.hammer(strategy, _native_config(settings, fail_worker))
