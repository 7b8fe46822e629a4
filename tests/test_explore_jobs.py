"""A search shared over OS threads (`jobs`): the same schedules, counts and first failure as one.

Each OS thread searches its own subtree depth first and gives part of it to a thread that waits
(csrc/explore/parallel_sweep.hpp). What must hold, whatever the machine's load and however the
tree happens to be shared out on a given run:

- every schedule is run exactly once (the schedules kept, sorted, are the single search's);
- the counts, the histograms by preemptions, completeness and the bound reached are the single
  search's, for every strategy, in the hang search and in the updates search;
- the first failure is the single search's: the same schedule, so the same trace;
- limits still stop it (max_schedules exactly, the time limit), Ctrl-C too, with no thread left;
- a reduction or PCT with jobs > 1, and a jobs out of range, are refused with a clear error.

Which thread runs which part depends on scheduling, so the sharing is exercised differently on
each run; none of these assertions depends on it.
"""

from __future__ import annotations

import pytest
from interrupted_child import interrupt_child

import pysgxalloc as sgx
from pysgxalloc import _core
from pysgxalloc.explore import _native_config

STRATEGY_NAMES = [strategy.name for strategy in sgx.STRATEGIES]


def summary(result: sgx.ExploreResult) -> tuple[object, ...]:
    first = result.first_failure
    return (
        result.schedules,
        result.failing,
        tuple(result.schedules_by_preemptions),
        tuple(result.failing_by_preemptions),
        result.complete,
        result.bound_reached,
        result.bound_explored,
        None if first is None else tuple(first.schedule),
    )


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_a_hang_search_on_two_threads_finds_what_one_finds(strategy: str) -> None:
    one = sgx.explore_hang(strategy, preemption_bound=1)
    two = sgx.explore_hang(strategy, preemption_bound=1, jobs=2)
    assert summary(two) == summary(one)
    assert two.runs == one.runs  # no run is made twice, none left out
    assert two.trace_text == one.trace_text


UPDATE_SETTINGS = {
    "3x1": {"threads": 3, "ops": 1},
    "2x2-bound2": {"threads": 2, "ops": 2, "preemption_bound": 2},
    "3x1-counter-1page": {"threads": 3, "ops": 1, "points": "counter", "pages_per_node": 1},
}
# Every strategy in each, but percpu_batch 3 x 1 (over 100,000 schedules: a limit would stop it).
UPDATE_CASES = [
    pytest.param(strategy, settings, id=f"{strategy}-{label}")
    for strategy in STRATEGY_NAMES
    for label, settings in UPDATE_SETTINGS.items()
    if (strategy, label) != ("percpu_batch", "3x1")
]


@pytest.mark.parametrize(("strategy", "settings"), UPDATE_CASES)
def test_an_updates_search_on_three_threads_counts_what_one_counts(
    strategy: str, settings: dict[str, object]
) -> None:
    one = sgx.explore(strategy, reduction="none", **settings)  # type: ignore[arg-type]
    three = sgx.explore(strategy, reduction="none", jobs=3, **settings)  # type: ignore[arg-type]
    assert one.complete
    assert summary(three) == summary(one)


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_a_shared_search_runs_every_schedule_exactly_once(jobs: int) -> None:
    res = sgx.explore_hang("plain_node_lock", preemption_bound=1)
    config = _native_config(res.settings)
    config.keep_schedules = True
    single = _core.explore(res.strategy, config)
    config.jobs = jobs
    shared = _core.explore(res.strategy, config)
    kept = sorted(tuple(schedule) for schedule in shared.schedules_run)
    assert len(set(kept)) == len(kept)
    assert kept == sorted(tuple(schedule) for schedule in single.schedules_run)


def test_the_first_failure_is_the_one_a_single_search_meets_first() -> None:
    # plain_unlocked 3 x 1 fails in most of its 14,850 schedules: many ties on preemptions and
    # length, which only the depth-first order settles.
    one = sgx.explore("plain_unlocked", threads=3, ops=1, reduction="none")
    two = sgx.explore("plain_unlocked", threads=3, ops=1, reduction="none", jobs=2)
    assert one.first_failure is not None and two.first_failure is not None
    assert tuple(two.first_failure.schedule) == tuple(one.first_failure.schedule)
    assert two.trace_text == one.trace_text


def test_max_schedules_stops_a_shared_search_after_exactly_that_many_runs() -> None:
    result = sgx.explore("percpu_batch", threads=3, ops=1, reduction="none", jobs=2, max_schedules=5_000)
    assert result.runs == 5_000
    assert result.stopped == "max_schedules"
    assert not result.complete


def test_the_time_limit_stops_a_shared_search_incomplete() -> None:
    # Millions of schedules: far more than 0.2 s of searching, on any machine.
    result = sgx.explore(
        "plain_node_lock", threads=3, ops=3, reduction="none", jobs=2, time_limit=0.2, max_schedules=10**12
    )
    assert result.stopped == "time_limit"
    assert not result.complete


def test_ctrl_c_stops_a_shared_search_and_leaves_no_thread() -> None:
    call = "sgx.explore('plain_node_lock', threads=3, ops=3, reduction='none', jobs=3, max_schedules=10**12)"
    # Not whether a run was made before the signal: that would hope the workers got a CPU in time.
    after = "print(stop.result.stopped, stop.result.complete)"
    # The search's own thread and the two it starts run before the signal goes.
    _, threads, printed = interrupt_child(call, after=after, threads_started=3)
    assert printed == "interrupted False"
    assert threads == 0


@pytest.mark.parametrize("reduction", ["sleep", "dpor"])
def test_jobs_with_a_reduction_is_refused(reduction: str) -> None:
    with pytest.raises(ValueError, match="reduction='none'"):
        sgx.explore("atomic", reduction=reduction, jobs=2)  # type: ignore[arg-type]


def test_jobs_with_pct_is_refused() -> None:
    with pytest.raises(ValueError, match="exhaustive"):
        sgx.explore_hang("atomic", mode="pct", jobs=2)


def test_one_job_takes_any_reduction() -> None:
    assert sgx.explore("atomic", reduction="dpor", jobs=1).complete


@pytest.mark.parametrize("jobs", [0, -1, 257, 2**63])
def test_jobs_out_of_range_is_refused(jobs: int) -> None:
    with pytest.raises(ValueError, match="jobs"):
        sgx.explore_hang("atomic", jobs=jobs)


@pytest.mark.parametrize("jobs", ["2", 2.0, None])
def test_jobs_that_is_not_an_integer_is_refused(jobs: object) -> None:
    with pytest.raises(TypeError, match="jobs"):
        sgx.explore_hang("atomic", jobs=jobs)  # type: ignore[arg-type]
