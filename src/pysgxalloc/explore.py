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

import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core
from pysgxalloc._checks import as_int
from pysgxalloc._core import Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.explore_settings import ExploreSettings, HangSettings, Scenario
from pysgxalloc.explore_trace import TraceStep, trace_steps, trace_text
from pysgxalloc.settings import SettingsAndStats, keyword_function, native_fields
from pysgxalloc.strategy import StrategyLike, parse_strategy

#: Either search's settings.
SearchSettings = ExploreSettings | HangSettings


class ExploreInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a search: a KeyboardInterrupt, as from every other run, that carries what the
    search explored before it (`result`, an `ExploreResult` with ``stopped == "interrupted"`` and
    ``complete`` False)::

        try:
            result = sgx.explore("plain_node_lock", threads=3, ops=2)
        except sgx.ExploreInterrupted as stop:
            result = stop.result  # the schedules run so far, and the first failure if one was found
    """

    def __init__(self, result: ExploreResult) -> None:
        super().__init__(f"explore stopped after {result.schedules:,} schedules")
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.result,))


@dataclass(frozen=True, eq=False)
class ScheduleRun(SettingsAndStats):
    """One run under the scheduler: the schedule that made it, its steps and what it left.

    Every figure of the core's run reads as an attribute: ``failed`` (the count ended wrong, or the
    run reached the hang or a deadlock), ``preemptions`` (switches away from a thread that could
    have gone on), ``counter`` (the cheap read at the end; at the hang, for a hung run),
    ``exact_count``, ``true_free``, ``read_error_bound`` (percpu_batch's bound on |counter -
    exact_count|), and for reclaim ``active_pages`` (resident enclave pages), ``faults_served`` and
    ``fault_wakes_reclaimer`` (should_reclaim(low) at the end).
    """

    FORWARDED = ("stats",)

    scenario: Scenario
    threads: int  #: threads scheduled (fault workers and ksgxd, for reclaim)
    stats: _core.ScheduleRun
    steps: tuple[TraceStep, ...]

    @property
    def outcome(self) -> str:
        """correct, counter_off, hang, completed, deadlock, broken_lists or step_limit."""
        return self.stats.outcome.name

    @property
    def schedule(self) -> tuple[int, ...]:
        """The thread granted at each decision; replay() takes it back."""
        return tuple(self.stats.schedule)

    @property
    def drift(self) -> int:
        """counter - true_free: what the lost updates left in the count."""
        return self.stats.counter - self.stats.true_free

    @property
    def text(self) -> str:
        """The run as columns, one per thread, one line per step; a lost update is marked; the last
        row says how it ended."""
        return trace_text(self.steps, thread_names(self.scenario, self.threads), self.ending)

    @property
    def ending(self) -> str:
        """How the run ended, in words: hung, the count off by N, ..."""
        run = self.stats
        if self.outcome == "hang":
            return (
                f"hung: every free list empty while the count reads {run.counter:,} (off by "
                f"{self.drift:+,d}), so should_reclaim(low) is false: no fault wakes ksgxd, and every "
                "fault retries forever"
            )
        if self.outcome == "counter_off":
            return f"count off by {self.drift:+,d}: counter {run.counter:,}, true free {run.true_free:,}"
        if self.outcome == "correct":
            return f"count right: counter {run.counter:,}, true free {run.true_free:,}"
        if self.outcome == "completed":
            served = f"{run.faults_served:,} faults served"
            return f"completed: {served}, counter {run.counter:,}, true free {run.true_free:,}"
        if self.outcome == "deadlock":
            return "deadlock: no thread can move, and the run is not over"
        if self.outcome == "broken_lists":
            return "the free lists lost or duplicated a page (a bug in the model)"
        return self.outcome.replace("_", " ")

    def __reduce__(self) -> tuple[Any, ...]:
        # The core's steps are already held, as TraceSteps, in `steps`.
        return (
            ScheduleRun,
            (self.scenario, self.threads, _plain(self.stats, leave_out=("steps",)), self.steps),
        )


@dataclass(frozen=True)
class PctBound:
    """PCT's guarantee (Burckhardt et al., ASPLOS 2010) for one search's `threads`, `steps` and `depth`.

    Each run finds a given bug of depth d (d ordering constraints between steps; a lost update has 2)
    with probability at least 1 / (n k^(d-1)), n threads and k steps a run, whatever the program; runs
    are independent, so ``runs_for(0.99)`` runs find it with probability at least 99%.
    """

    threads: int  #: n
    steps: int  #: k: the steps (decisions) of a run that the change points are drawn among
    depth: int  #: d

    @property
    def per_run(self) -> float:
        """1 / (n k^(d-1)): the least chance that one run finds the bug."""
        return 1.0 / float(self.threads * self.steps ** (self.depth - 1))

    @property
    def formula(self) -> str:
        """The bound with its numbers, as printed: ``1/(8 x 32^1)``."""
        return f"1/({self.threads:,} x {self.steps:,}^{self.depth - 1})"

    def runs_for(self, confidence: float = 0.99) -> int:
        """Runs that find the bug with at least `confidence`: ceil(ln(1 - confidence) / ln(1 - p))."""
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
        p = self.per_run
        if p >= 1:
            return 1
        return math.ceil(math.log(1 - confidence) / math.log1p(-p))

    def found_within(self, runs: int) -> float:
        """The least chance that `runs` runs find the bug: 1 - (1 - p)^runs."""
        if self.per_run >= 1:
            return 1.0
        return float(-math.expm1(runs * math.log1p(-self.per_run)))


@dataclass(frozen=True, eq=False)
class ExploreResult(SettingsAndStats):
    """What a search over schedules found, and how far it got.

    Every setting reads as an attribute (``result.preemption_bound``: as asked, None for none), and
    so does every figure of the core's stats: ``schedules`` (distinct schedules run to their end),
    ``failing`` (of those, how many ended wrong or reached the hang), ``runs`` (runs made, re-runs
    of lower bounds and runs pruned by sleep sets included), ``pruned``, ``complete`` (every
    schedule within the bound was run), ``bound_reached`` (some schedule needs more preemptions
    than bound_explored), ``bound_explored`` (every schedule with at most this many preemptions
    was run; -1: none) and ``elapsed_seconds``. With ``mode="pct"``: ``pct_steps`` (the k its bound
    used), ``pct_runs_made``, ``longest_run`` (the most steps a run took; beyond k the bound is not
    sure) and ``first_failing_run`` (from 1; 0: none), and `pct_bound`; ``complete`` is then False.
    """

    strategy: Strategy
    settings: SearchSettings
    stats: _core.ExploreStats
    first_failure: ScheduleRun | None  #: fewest preemptions, then fewest steps

    @property
    def scenario(self) -> Scenario:
        return self.settings.SCENARIO

    @property
    def threads(self) -> int:
        """Threads scheduled (fault workers and ksgxd, for reclaim)."""
        return self.settings.threads_scheduled

    @property
    def pct_bound(self) -> PctBound | None:
        """PCT's guarantee for this search (None for an exhaustive one)."""
        if self.settings.mode != "pct":
            return None
        return PctBound(self.threads, self.stats.pct_steps, self.settings.depth)

    @property
    def stopped(self) -> str:
        """none, max_schedules, time_limit or interrupted."""
        return self.stats.stopped.name

    @property
    def schedules_by_preemptions(self) -> npt.NDArray[np.int64]:
        return np.asarray(self.stats.schedules_by_preemptions, dtype=np.int64)

    @property
    def failing_by_preemptions(self) -> npt.NDArray[np.int64]:
        return np.asarray(self.stats.failing_by_preemptions, dtype=np.int64)

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
        threads = [as_int("schedule entry", thread) for thread in schedule]
        for step, thread in enumerate(threads):
            if not 0 <= thread < self.threads:
                raise ValueError(
                    f"schedule entry {step:,} is {thread:,}: a thread index, 0 to {self.threads - 1}"
                )
        return replay_schedule(self.strategy, self.settings, threads)

    def save(self, path: Path | str) -> None:
        """Write the first failure's schedule, the strategy, every setting and the package version to
        `path` as JSON, the way every output is written (a file atomically, a link's target and never
        the link; see Hostile use in the docs); ``pysgxalloc.replay_file(path)`` runs it again.
        ValueError when nothing failed or `path` is a folder or a socket; OSError when it cannot be
        written (a FIFO without a reader among them)."""
        from pysgxalloc.schedule_file import SavedSchedule  # it imports this module

        SavedSchedule.of(self).save(Path(path))

    def __reduce__(self) -> tuple[Any, ...]:
        # The core's stats are a C++ object; a copy holds the same figures as plain values (a search
        # fanned out with concurrent.futures sends its result back this way).
        return (_explore_result, (self.strategy.name, self.settings, _plain(self.stats), self.first_failure))

    def __repr__(self) -> str:
        return (
            f"ExploreResult(strategy={self.strategy.name}, scenario={self.scenario}, threads={self.threads}, "
            + (
                f"mode=pct, depth={self.settings.depth}, seed={self.settings.seed}, "
                if self.settings.mode == "pct"
                else f"preemption_bound={self.settings.preemption_bound}, "
            )
            + f"schedules={self.stats.schedules:,}, "
            f"failing={self.stats.failing:,}, complete={self.stats.complete}, stopped={self.stopped})"
        )


def replay_schedule(
    strategy: Strategy, settings: SearchSettings, schedule: tuple[int, ...] | list[int]
) -> ScheduleRun:
    """One run of `schedule` (then the default choices) with `settings`; ValueError when it picks a
    thread that cannot move at some step."""
    threads = [as_int("schedule entry", thread) for thread in schedule]
    if any(thread < 0 for thread in threads):
        raise ValueError("schedule entries are thread indices, at least 0")
    return _run(settings, _core.replay_schedule(strategy, _native_config(settings), threads))


def thread_names(scenario: Scenario, threads: int) -> list[str]:
    if scenario == "reclaim":
        return [f"worker {index}" for index in range(threads - 1)] + ["ksgxd"]
    return [f"thread {index}" for index in range(threads)]


def run_explore(strategy: StrategyLike, settings: ExploreSettings) -> ExploreResult:
    """Run every schedule of `threads` threads making `ops` operations each on a small pool.

    Thread i works on node ``i % nodes`` and alternates alloc, free, alloc, ...: ``ops=1``
    is one counter decrement. A schedule fails when the count ends wrong (for
    ``percpu_batch``: off by more than its bound, or the exact read wrong).

    `points`: ``"all"`` makes every shared access a scheduling decision; ``"counter"`` only
    counter accesses (a held lock still blocks). `preemption_bound`: None explores every
    schedule; an int k every schedule with at most k preemptions, 0 then 1 ... then k.
    `reduction` leaves out schedules that only reorder independent steps (judged by each
    step's footprint, every object it touched up to its next decision): ``"dpor"`` (the
    default: dynamic partial-order reduction, at least one schedule of every class, under a
    bound too), ``"sleep"`` (sleep sets: exactly one per class, without a bound only) or
    ``"none"`` (every interleaving; ``sleep_sets=False`` means the same). `engine`:
    ``"fibers"`` runs the explored threads as user-space contexts on one OS thread,
    ``"threads"`` as OS threads handing a baton on (the same schedules, slower). `jobs`:
    without a reduction, that many OS threads search side by side, each its own part of the
    tree, with the same schedules, counts and first failure as one.
    The search stops after `max_schedules` runs or `time_limit` seconds, or on Ctrl-C,
    and then says ``complete=False``.

    ``mode="pct"``: `runs` random runs instead, each with random distinct thread priorities
    and `depth` - 1 priority change points among k steps (`steps`, or the default schedule's
    length, run first): a bug of depth d is found with probability at least 1 / (n k^(d-1))
    per run (``result.pct_bound``). Reproducible: the same `seed` makes the same runs.
    """
    return _explore(parse_strategy(strategy), settings)


def run_explore_hang(strategy: StrategyLike, settings: HangSettings) -> ExploreResult:
    """Search the reduced reclaim scenario's schedules for the hang.

    The reclaim scenario's own fault path and ksgxd, run under the scheduler: `workers`
    fault workers each fault in their share of `enclave_pages` enclave pages (default:
    twice the EPC of `nodes` x `pages_per_node`), each share an enclave of its own, once,
    and ksgxd reclaims `scan` pages at a time between watermarks `low` and `high` (32, 64
    and 16 in the kernel, scaled down here to 2, 4 and 1 with the EPC). A schedule fails
    when it reaches the hang, proven as reclaim_scenario() proves it: every worker still
    faulting is retrying, ksgxd is asleep and not woken, every free list is empty and
    should_reclaim(low) is false, a state no step can leave. The search's settings are as
    in `explore`; the default bound is 1 preemption and the default reduction ``"none"``
    (under a bound DPOR saves few schedules here and costs more than they do).
    """
    return _explore(parse_strategy(strategy), settings)


#: Every schedule of a small run of updates: ``explore("plain_node_lock", threads=2, ops=1)``.
explore = keyword_function(run_explore, ExploreSettings, "explore")
#: The hang searched for: ``explore_hang("plain_node_lock", workers=2)``.
explore_hang = keyword_function(run_explore_hang, HangSettings, "explore_hang")


def _native_config(settings: SearchSettings) -> _core.ExploreConfig:
    """The core's one ExploreConfig, its scenario the settings type's, every other field by name."""
    scenario = _core.ExploreScenario[settings.SCENARIO]
    return native_config(_core.ExploreConfig, scenario=scenario, **native_fields(settings))


def _explore(strategy: Strategy, settings: SearchSettings) -> ExploreResult:
    """The search's result; ExploreInterrupted (a KeyboardInterrupt holding it) when Ctrl-C stopped it."""
    stats = _core.explore(strategy, _native_config(settings))
    failure = None if stats.first_failure is None else _run(settings, stats.first_failure)
    result = ExploreResult(strategy, settings, stats, failure)
    if result.stopped == "interrupted":
        raise ExploreInterrupted(result)
    return result


def _plain(stats: Any, leave_out: tuple[str, ...] = ()) -> SimpleNamespace:
    """A core result's figures as a plain object (which pickles); the nested first failure left out,
    since the result holds it as a ScheduleRun of its own."""
    if isinstance(stats, SimpleNamespace):
        figures = dict(vars(stats))
    else:
        names = [name for name, kind in vars(type(stats)).items() if isinstance(kind, property)]
        figures = {name: getattr(stats, name) for name in names}
    for name in ("first_failure", *leave_out):
        figures.pop(name, None)
    return SimpleNamespace(**figures)


def _explore_result(
    strategy: str, settings: SearchSettings, stats: SimpleNamespace, failure: ScheduleRun | None
) -> ExploreResult:
    """An unpickled ExploreResult; the strategy found again by name (a user's must be loaded first)."""
    return ExploreResult(parse_strategy(strategy), settings, stats, failure)  # type: ignore[arg-type]


def _run(settings: SearchSettings, run: _core.ScheduleRun) -> ScheduleRun:
    steps = trace_steps(run.steps, reads_are_tests=settings.SCENARIO == "reclaim")
    return ScheduleRun(settings.SCENARIO, settings.threads_scheduled, run, steps)
