"""The schedule explorer: exact counts, exact strategies proven exact, failures found and replayed.

Every test here is deterministic: the scheduler lets one thread move at a time, so a
search finds the same schedules on any machine and under any load.
"""

from __future__ import annotations

import itertools

import pytest

import pysgxalloc as sgx
from pysgxalloc import Strategy
from pysgxalloc.explore_settings import Engine

EXACT = [s for s in sgx.STRATEGIES if sgx.accuracy(s) is not sgx.Accuracy.drifts]
DRIFTING = [s for s in sgx.STRATEGIES if sgx.accuracy(s) is sgx.Accuracy.drifts]


def brute_force_plain_updates(threads: int) -> tuple[int, int]:
    """Interleavings of `threads` load-then-store decrements, and how many lose one."""
    moves = [thread for thread in range(threads) for _ in range(2)]
    schedules = set(itertools.permutations(moves))
    losing = 0
    for schedule in schedules:
        count, seen, done = 100, {}, {thread: 0 for thread in range(threads)}
        for thread in schedule:
            if done[thread] == 0:
                seen[thread] = count  # the load
            else:
                count = seen[thread] - 1  # the store of what it loaded, less one
            done[thread] += 1
        losing += count != 100 - threads
    return len(schedules), losing


@pytest.mark.parametrize("strategy", DRIFTING, ids=lambda s: s.name)
def test_two_plain_updates_interleave_six_ways_and_four_lose_one(strategy: Strategy) -> None:
    # Only the counter's accesses are decisions: exactly the four of the two updates.
    res = sgx.explore(strategy, threads=2, ops=1, points="counter", sleep_sets=False)
    assert (res.schedules, res.failing) == brute_force_plain_updates(2) == (6, 4)
    assert res.complete


def test_three_plain_updates_match_the_brute_force_count() -> None:
    res = sgx.explore("plain_unlocked", threads=3, ops=1, points="counter", sleep_sets=False)
    assert (res.schedules, res.failing) == brute_force_plain_updates(3)


@pytest.mark.parametrize(("threads", "ops"), [(2, 2), (3, 1)])
@pytest.mark.parametrize("strategy", EXACT, ids=lambda s: s.name)
def test_an_exact_strategy_keeps_the_count_in_every_schedule(
    strategy: Strategy, threads: int, ops: int
) -> None:
    res = sgx.explore(strategy, threads=threads, ops=ops)
    assert res.complete
    assert res.schedules > 0
    assert res.failing == 0
    assert res.first_failure is None


def test_percpu_batch_folding_every_update_keeps_the_count_in_every_schedule() -> None:
    # counter_batch=1 folds every update into the global count under its lock.
    res = sgx.explore("percpu_batch", threads=2, ops=2, counter_batch=1)
    assert res.complete and res.failing == 0


@pytest.mark.parametrize("strategy", EXACT, ids=lambda s: s.name)
def test_an_exact_strategy_keeps_the_count_in_every_schedule_within_two_preemptions(
    strategy: Strategy,
) -> None:
    res = sgx.explore(strategy, threads=2, ops=3, preemption_bound=2)
    assert res.complete and res.failing == 0


@pytest.mark.parametrize("strategy", DRIFTING, ids=lambda s: s.name)
def test_a_plain_strategy_has_a_failing_schedule_and_its_replay_loses_the_update_again(
    strategy: Strategy,
) -> None:
    res = sgx.explore(strategy, threads=2, ops=2)
    failure = res.first_failure
    assert failure is not None and failure.outcome == "counter_off"
    again = res.replay()
    assert again.outcome == "counter_off"
    assert again.drift == failure.drift != 0
    assert again.steps == failure.steps


def test_the_first_failure_needs_one_preemption_and_is_the_shortest_such() -> None:
    res = sgx.explore("plain_node_lock", threads=2, ops=1, preemption_bound=2)
    assert res.first_failure is not None
    assert res.first_failure.preemptions == 1
    assert res.failing_by_preemptions[0] == 0  # without a preemption no update is lost


def test_the_trace_marks_the_store_that_overwrites_the_other_thread_s_update() -> None:
    failure = sgx.explore("plain_node_lock", threads=2, ops=1).first_failure
    assert failure is not None
    lost = [step for step in failure.steps if step.overwrites]
    assert len(lost) == 1
    (store,) = lost
    assert store.access == "store" and store.shared == "counter"
    assert store.overwrites == (1 - store.thread,)
    own_load = [
        s for s in failure.steps if s.thread == store.thread and s.access == "load" and s.step < store.step
    ]
    loaded = own_load[-1].value
    assert loaded is not None and store.value == loaded - 1  # it wrote what it loaded, less one
    assert "LOST UPDATE" in failure.text


@pytest.mark.parametrize("strategy", ["plain_node_lock", "atomic", "percpu_batch"])
def test_replaying_a_schedule_twice_gives_the_same_final_state(strategy: str) -> None:
    res = sgx.explore(strategy, threads=2, ops=3, preemption_bound=1)
    # The failing schedule, or one that starts with thread 1 (both can move at the first step).
    schedule = res.first_failure.schedule if res.first_failure else res.replay((1,)).schedule
    first, second = res.replay(schedule), res.replay(schedule)
    assert (first.counter, first.exact_count, first.true_free) == (
        second.counter,
        second.exact_count,
        second.true_free,
    )
    assert first.steps == second.steps
    assert first.schedule == second.schedule


def test_the_reduced_reclaim_scenario_hangs_under_plain_node_lock() -> None:
    res = sgx.explore_hang("plain_node_lock", preemption_bound=1)
    failure = res.first_failure
    assert failure is not None and failure.outcome == "hang"
    assert failure.true_free == 0  # every list empty ...
    assert failure.counter >= 2  # ... while the count reads at least low,
    assert not failure.fault_wakes_reclaimer  # so no fault wakes ksgxd
    assert res.replay().outcome == "hang"


@pytest.mark.parametrize("strategy", ["atomic", "per_node"])
def test_the_reduced_reclaim_scenario_never_hangs_within_one_preemption(strategy: str) -> None:
    res = sgx.explore_hang(strategy, preemption_bound=1)
    assert res.complete
    assert res.schedules > 0
    assert res.failing == 0


def test_a_reclaim_run_with_no_preemption_completes_every_fault() -> None:
    res = sgx.explore_hang("atomic", preemption_bound=0)
    run = res.replay(())
    assert run.outcome == "completed"
    assert run.faults_served == 16  # an enclave twice the 8-page EPC, every page faulted in once


def test_a_search_too_large_for_its_limit_stops_and_says_it_is_incomplete() -> None:
    res = sgx.explore("plain_node_lock", threads=3, ops=3, max_schedules=50)
    assert not res.complete
    assert res.stopped == "max_schedules"
    assert res.runs == 50


def test_a_search_past_its_time_limit_stops_and_says_it_is_incomplete() -> None:
    res = sgx.explore("plain_node_lock", threads=3, ops=4, time_limit=0.01)
    assert not res.complete
    assert res.stopped == "time_limit"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"threads": 0}, ValueError),
        ({"threads": 9}, ValueError),
        ({"ops": 0}, ValueError),
        ({"ops": 10**6}, ValueError),
        ({"preemption_bound": 10**6}, ValueError),
        ({"preemption_bound": -1}, ValueError),
        ({"preemption_bound": 2**70}, ValueError),
        ({"max_schedules": 0}, ValueError),
        ({"time_limit": float("nan")}, ValueError),
        ({"time_limit": 10**9}, ValueError),
        ({"pages_per_node": 10**9}, ValueError),
        ({"points": "sometimes"}, ValueError),
        ({"threads": "2"}, TypeError),
        ({"sleep_sets": 1}, TypeError),
        ({"reduction": "optimal"}, ValueError),
        ({"reduction": 2}, TypeError),
        ({"engine": "coroutines"}, ValueError),
        ({"engine": None}, TypeError),
    ],
    ids=lambda value: repr(value),
)
def test_hostile_explore_arguments_get_clear_errors(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        sgx.explore("atomic", **kwargs)  # type: ignore[arg-type]


def test_an_unknown_strategy_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="plain_node_lock"):
        sgx.explore("plain_node_lck")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"workers": 0},
        {"low": 0},
        {"low": 5, "high": 4},
        {"scan": 0},
        {"enclave_pages": 0},
        {"preemption_bound": 99},
    ],
    ids=lambda value: repr(value),
)
def test_hostile_hang_search_arguments_get_clear_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        sgx.explore_hang("atomic", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("schedule", [(5,), (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2), (-1,)], ids=repr)
def test_a_schedule_that_picks_a_thread_that_cannot_move_is_refused(schedule: tuple[int, ...]) -> None:
    res = sgx.explore("atomic", threads=2, ops=2, preemption_bound=0)
    with pytest.raises(ValueError):
        res.replay(schedule)


@pytest.mark.parametrize("scenario", ["updates", "reclaim"])
def test_both_engines_run_the_same_schedules_with_the_same_counts(scenario: str) -> None:
    def search(engine: Engine) -> sgx.ExploreResult:
        # Small enough for the threaded engine under a sanitizer; the hang is reached in it.
        if scenario == "reclaim":
            return sgx.explore_hang(
                "plain_node_lock",
                pages_per_node=2,
                low=1,
                high=2,
                engine=engine,
                reduction="none",
                time_limit=3600,
            )
        return sgx.explore(
            "plain_node_lock", threads=3, ops=1, engine=engine, reduction="sleep", time_limit=3600
        )

    fibers, threads = search("fibers"), search("threads")
    assert fibers.complete and threads.complete
    assert (fibers.schedules, fibers.failing, fibers.runs, fibers.pruned) == (
        threads.schedules,
        threads.failing,
        threads.runs,
        threads.pruned,
    )
    assert list(fibers.schedules_by_preemptions) == list(threads.schedules_by_preemptions)
    assert fibers.first_failure is not None and threads.first_failure is not None
    assert fibers.first_failure.steps == threads.first_failure.steps


def test_there_is_nothing_to_replay_when_nothing_failed() -> None:
    with pytest.raises(ValueError, match="no failing schedule"):
        sgx.explore("atomic", threads=2, ops=1).replay()
