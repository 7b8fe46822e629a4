"""Every interleaving of a small run: the real pool and counter code under a deterministic scheduler.

Hammering shows that ``plain_node_lock`` loses updates; it cannot show why, nor that the
exact strategies never do. ``explore()`` runs the same C++ the benchmarks time, but under a
scheduler that parks every thread before each shared access (a lock, a counter load or
store, a cell, the active list, ksgxd's wait queue) and lets exactly one move at a time. It
enumerates the schedules depth first, with CHESS's iterative preemption bounding, and
reports how many ended wrong and the first failing one with the fewest preemptions (then
the fewest steps), as data and as a trace to read. ``explore_hang()`` does the same for a
reduced reclaim scenario and looks for the hang itself: every fault retrying with every
list empty, ksgxd asleep and the watermark test saying no. See csrc/explore/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core
from pysgxalloc._checks import as_bool, as_float, as_int, as_member, as_optional_int
from pysgxalloc._core import Comparison, Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.explore_trace import TraceStep, trace_steps, trace_text
from pysgxalloc.strategy import StrategyLike, parse_strategy

Points = Literal["all", "counter"]
Scenario = Literal["updates", "reclaim"]


@dataclass(frozen=True)
class ScheduleRun:
    """One run under the scheduler: the schedule that made it, its steps and what it left."""

    scenario: Scenario
    threads: int  #: threads scheduled (fault workers and ksgxd, for reclaim)
    outcome: str  #: correct, counter_off, hang, completed, deadlock, broken_lists, step_limit
    failed: bool  #: the count ended wrong, or the run reached the hang (or a deadlock)
    schedule: tuple[int, ...]  #: the thread granted at each decision; replay() takes it back
    steps: tuple[TraceStep, ...]
    preemptions: int  #: switches away from a thread that could have gone on
    counter: int  #: the cheap read at the end (at the hang, for a hung run)
    exact_count: int
    true_free: int
    read_error_bound: int  #: percpu_batch's bound on |counter - exact_count|
    active_pages: int  #: reclaim: resident enclave pages
    faults_served: int  #: reclaim
    fault_wakes_reclaimer: bool  #: reclaim: should_reclaim(low) at the end

    @property
    def drift(self) -> int:
        """counter - true_free: what the lost updates left in the count."""
        return self.counter - self.true_free

    @property
    def text(self) -> str:
        """The run as columns, one per thread, one line per step; a lost update is marked."""
        return trace_text(self.steps, thread_names(self.scenario, self.threads))


@dataclass(frozen=True)
class ExploreResult:
    """What a search over schedules found, and how far it got."""

    strategy: Strategy
    scenario: Scenario
    threads: int  #: threads scheduled (fault workers and ksgxd, for reclaim)
    preemption_bound: int | None  #: as asked; None: unbounded
    schedules: int  #: distinct schedules run to their end
    failing: int  #: of those, how many ended wrong (updates) or reached the hang (reclaim)
    runs: int  #: runs made, re-runs of lower bounds and runs pruned by sleep sets included
    pruned: int
    complete: bool  #: every schedule within the bound was run (unbounded: every schedule)
    bound_reached: bool  #: some schedule needs more preemptions than bound_explored
    bound_explored: int  #: every schedule with at most this many preemptions was run (-1: none)
    stopped: str  #: none, max_schedules, time_limit or interrupted
    schedules_by_preemptions: npt.NDArray[np.int64]
    failing_by_preemptions: npt.NDArray[np.int64]
    first_failure: ScheduleRun | None  #: fewest preemptions, then fewest steps
    elapsed_seconds: float
    _config: _core.ExploreConfig = field(repr=False, compare=False)

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        """The first failure's steps (empty when none failed)."""
        return self.first_failure.steps if self.first_failure else ()

    @property
    def trace_text(self) -> str:
        """The first failure as columns, or an empty string."""
        return self.first_failure.text if self.first_failure else ""

    def replay(self, schedule: tuple[int, ...] | list[int] | None = None) -> ScheduleRun:
        """Run `schedule` (default: the first failure's) again, with this search's settings.

        ValueError when it picks a thread that cannot move at some step, or when there is
        no failure to replay and no schedule was given.
        """
        if schedule is None:
            if self.first_failure is None:
                raise ValueError("no failing schedule to replay; pass one")
            schedule = self.first_failure.schedule
        return _replay(self.strategy, self.scenario, self._config, schedule)


def thread_names(scenario: Scenario, threads: int) -> list[str]:
    if scenario == "reclaim":
        return [f"worker {index}" for index in range(threads - 1)] + ["ksgxd"]
    return [f"thread {index}" for index in range(threads)]


def explore(
    strategy: StrategyLike,
    *,
    threads: int = 2,
    ops: int = 2,
    nodes: int = 2,
    pages_per_node: int = 2,
    counter_batch: int | None = None,
    points: Points = "all",
    preemption_bound: int | None = None,
    sleep_sets: bool = True,
    max_schedules: int = 100_000,
    time_limit: float = 60.0,
) -> ExploreResult:
    """Run every schedule of `threads` threads making `ops` operations each on a small pool.

    Thread i works on node ``i % nodes`` and alternates alloc, free, alloc, ...: ``ops=1``
    is one counter decrement. A schedule fails when the count ends wrong (for
    ``percpu_batch``: off by more than its bound, or the exact read wrong).

    `points`: ``"all"`` makes every shared access a scheduling decision; ``"counter"`` only
    counter accesses (a held lock still blocks). `preemption_bound`: None explores every
    schedule (with `sleep_sets`, one per class of schedules that differ only in the order
    of independent steps); an int k explores every schedule with at most k preemptions,
    0 then 1 ... then k, without sleep sets (which could hide one within the bound).
    The search stops after `max_schedules` runs or `time_limit` seconds, or on Ctrl-C,
    and then says ``complete=False``.
    """
    parsed = parse_strategy(strategy)
    config = native_config(
        _core.ExploreConfig,
        scenario=_core.ExploreScenario.updates,
        threads=as_int("threads", threads),
        ops=as_int("ops", ops),
        nodes=as_int("nodes", nodes),
        pages_per_node=as_int("pages_per_node", pages_per_node),
        counter_batch=as_optional_int("counter_batch", counter_batch),
        sleep_sets=as_bool("sleep_sets", sleep_sets),
        **_search_fields(points, preemption_bound, max_schedules, time_limit),
    )
    return _explore(parsed, "updates", config, preemption_bound)


def explore_hang(
    strategy: StrategyLike,
    *,
    workers: int = 2,
    nodes: int = 2,
    pages_per_node: int = 4,
    enclave_pages: int | None = None,
    low: int = 2,
    high: int = 4,
    scan: int = 1,
    comparison: Comparison | str = Comparison.kernel_unsigned,
    points: Points = "all",
    preemption_bound: int | None = 1,
    max_schedules: int = 100_000,
    time_limit: float = 60.0,
) -> ExploreResult:
    """Search the reduced reclaim scenario's schedules for the hang.

    The reclaim scenario's own fault path and ksgxd, run under the scheduler: `workers`
    fault workers each fault in their share of `enclave_pages` enclave pages (default:
    twice the EPC of `nodes` x `pages_per_node`), each share an enclave of its own, once,
    and ksgxd reclaims `scan` pages at a time between watermarks `low` and `high` (32, 64
    and 16 in the kernel, scaled down here to 2, 4 and 1 with the EPC). A schedule fails
    when it reaches the hang, proven as reclaim_scenario() proves it: every worker still
    faulting is retrying, ksgxd is asleep and not woken, every free list is empty and
    should_reclaim(low) is false, a state no step can leave. Other parameters as in
    `explore`; the default bound is 1 preemption.
    """
    parsed = parse_strategy(strategy)
    config = native_config(
        _core.ExploreConfig,
        scenario=_core.ExploreScenario.reclaim,
        threads=as_int("workers", workers),
        nodes=as_int("nodes", nodes),
        pages_per_node=as_int("pages_per_node", pages_per_node),
        enclave_pages=0 if enclave_pages is None else _positive("enclave_pages", enclave_pages),
        low=as_int("low", low),
        high=as_int("high", high),
        scan=as_int("scan", scan),
        comparison=as_member(Comparison, "comparison", comparison),
        **_search_fields(points, preemption_bound, max_schedules, time_limit),
    )
    return _explore(parsed, "reclaim", config, preemption_bound)


def _positive(name: str, value: object) -> int:
    number = as_int(name, value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number


def _search_fields(
    points: object, preemption_bound: object, max_schedules: object, time_limit: object
) -> dict[str, object]:
    return {
        "points": as_member(_core.SchedulePoints, "points", points),
        "preemption_bound": as_optional_int("preemption_bound", preemption_bound),
        "max_schedules": as_int("max_schedules", max_schedules),
        "time_limit_seconds": as_float("time_limit", time_limit),
    }


def _explore(
    strategy: Strategy, scenario: Scenario, config: _core.ExploreConfig, bound: object
) -> ExploreResult:
    stats = _core.explore(strategy, config)
    threads = config.threads + (1 if scenario == "reclaim" else 0)
    return ExploreResult(
        strategy=strategy,
        scenario=scenario,
        threads=threads,
        preemption_bound=config.preemption_bound,
        schedules=stats.schedules,
        failing=stats.failing,
        runs=stats.runs,
        pruned=stats.pruned,
        complete=stats.complete,
        bound_reached=stats.bound_reached,
        bound_explored=stats.bound_explored,
        stopped=stats.stopped.name,
        schedules_by_preemptions=np.asarray(stats.schedules_by_preemptions, dtype=np.int64),
        failing_by_preemptions=np.asarray(stats.failing_by_preemptions, dtype=np.int64),
        first_failure=None if stats.first_failure is None else _run(scenario, threads, stats.first_failure),
        elapsed_seconds=stats.elapsed_seconds,
        _config=config,
    )


def _replay(
    strategy: Strategy, scenario: Scenario, config: _core.ExploreConfig, schedule: tuple[int, ...] | list[int]
) -> ScheduleRun:
    threads = [as_int("schedule entry", thread) for thread in schedule]
    if any(thread < 0 for thread in threads):
        raise ValueError("schedule entries are thread indices, at least 0")
    total = config.threads + (1 if scenario == "reclaim" else 0)
    return _run(scenario, total, _core.replay_schedule(strategy, config, threads))


def _run(scenario: Scenario, threads: int, run: _core.ScheduleRun) -> ScheduleRun:
    return ScheduleRun(
        scenario=scenario,
        threads=threads,
        outcome=run.outcome.name,
        failed=run.failed,
        schedule=tuple(run.schedule),
        steps=trace_steps(run.steps),
        preemptions=run.preemptions,
        counter=run.counter,
        exact_count=run.exact_count,
        true_free=run.true_free,
        read_error_bound=run.read_error_bound,
        active_pages=run.active_pages,
        faults_served=run.faults_served,
        fault_wakes_reclaimer=run.fault_wakes_reclaimer,
    )
