"""The schedule explorer: exact counts, exact strategies proven exact, failures found and replayed.

Every test here is deterministic: the scheduler lets one thread move at a time, so a
search finds the same schedules on any machine and under any load.
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import pytest

import pysgxalloc as sgx
from pysgxalloc import Strategy
from pysgxalloc.explore_settings import Engine

EXACT = [s for s in sgx.STRATEGIES if sgx.accuracy(s) is not sgx.Accuracy.drifts]
DRIFTING = [s for s in sgx.STRATEGIES if sgx.accuracy(s) is sgx.Accuracy.drifts]

#: The longest time limit a search takes: a test that asserts a search is complete must be bounded
#: by its schedules, never by the clock, which a busy machine or a sanitizer slows.
NO_TIME_LIMIT = 86_400


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
    res = sgx.explore(
        strategy, threads=2, ops=1, points="counter", sleep_sets=False, time_limit=NO_TIME_LIMIT
    )
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
    res = sgx.explore(strategy, threads=threads, ops=ops, time_limit=NO_TIME_LIMIT)
    assert res.complete
    assert res.schedules > 0
    assert res.failing == 0
    assert res.first_failure is None


def test_percpu_batch_folding_every_update_keeps_the_count_in_every_schedule() -> None:
    # counter_batch=1 folds every update into the global count under its lock.
    res = sgx.explore("percpu_batch", threads=2, ops=2, counter_batch=1, time_limit=NO_TIME_LIMIT)
    assert res.complete and res.failing == 0


@pytest.mark.parametrize("strategy", EXACT, ids=lambda s: s.name)
def test_an_exact_strategy_keeps_the_count_in_every_schedule_within_two_preemptions(
    strategy: Strategy,
) -> None:
    res = sgx.explore(strategy, threads=2, ops=3, preemption_bound=2, time_limit=NO_TIME_LIMIT)
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


@pytest.mark.parametrize(("stripes", "schedules"), [(1, 12), (2, 4), (4, 2)])
def test_striped_s_schedules_follow_its_stripes_setting(stripes: int, schedules: int) -> None:
    # 3 threads x 1 op: slots sharing a cell contend on it; one cell each commute.
    res = sgx.explore("striped", threads=3, ops=1, stripes=stripes)
    assert res.complete and res.failing == 0
    assert res.schedules == schedules


ONE_CPU_CHILD = """
import os, pysgxalloc as sgx
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
print(len(os.sched_getaffinity(0)), sgx.explore("striped", threads=3, ops=1).schedules)
"""


def test_striped_s_schedule_count_is_the_same_whatever_cpus_the_process_may_use() -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one usable CPU: nothing to restrict the child to that differs from this process")
    here = sgx.explore("striped", threads=3, ops=1).schedules
    child = subprocess.run([sys.executable, "-c", ONE_CPU_CHILD], capture_output=True, text=True, check=True)
    cpus, schedules = child.stdout.split()
    assert cpus == "1"
    assert int(schedules) == here == 4


#: Too many schedules to search every one within the runs PCT's bound asks for (checked below).
PCT_CASE: dict[str, object] = {"threads": 8, "ops": 1, "pages_per_node": 4}


def test_pct_s_bound_is_one_in_n_k_to_the_d_minus_1_and_its_99_percent_run_count_follows_from_it() -> None:
    bound = sgx.PctBound(threads=8, steps=32, depth=2)
    assert bound.per_run == 1 / (8 * 32**1)
    assert bound.runs_for(0.99) == math.ceil(math.log(0.01) / math.log(1 - 1 / 256)) == 1177
    deeper = sgx.PctBound(threads=3, steps=270, depth=3)
    assert deeper.per_run == 1 / (3 * 270**2)
    assert 1 - (1 - deeper.per_run) ** deeper.runs_for(0.99) >= 0.99
    assert 1 - (1 - deeper.per_run) ** (deeper.runs_for(0.99) - 1) < 0.99  # and no fewer suffice


def test_pct_finds_plain_node_lock_s_lost_update_within_the_runs_its_bound_states() -> None:
    bound = sgx.explore("plain_node_lock", **PCT_CASE, mode="pct", runs=1).pct_bound  # type: ignore[arg-type]
    assert bound is not None and bound.depth == 2  # a lost update: a load before, a store after another's
    runs = bound.runs_for(0.99)
    res = sgx.explore("plain_node_lock", **PCT_CASE, mode="pct", depth=2, runs=runs, seed=7)  # type: ignore[arg-type]
    assert res.pct_runs_made == runs and res.stopped == "none"
    assert res.longest_run <= res.pct_steps  # k bounded every run, so the bound held
    assert res.first_failure is not None and res.first_failure.outcome == "counter_off"
    assert not res.complete  # random runs prove nothing about the rest
    exhaustive = sgx.explore("plain_node_lock", **PCT_CASE, max_schedules=runs)  # type: ignore[arg-type]
    assert not exhaustive.complete and exhaustive.stopped == "max_schedules"


def test_pct_runs_are_the_same_for_the_same_seed() -> None:
    first, again = (
        sgx.explore("plain_node_lock", **PCT_CASE, mode="pct", runs=200, seed=3)  # type: ignore[arg-type]
        for _ in range(2)
    )
    assert first.first_failure is not None and again.first_failure is not None
    assert (first.failing, first.first_failing_run) == (again.failing, again.first_failing_run)
    assert first.first_failure.schedule == again.first_failure.schedule


def test_pct_finds_the_hang_of_the_reduced_reclaim_scenario() -> None:
    res = sgx.explore_hang("plain_node_lock", mode="pct", depth=2, runs=300, seed=0)
    assert res.first_failure is not None and res.first_failure.outcome == "hang"
    assert res.replay().outcome == "hang"


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


def hang_trace() -> sgx.ScheduleRun:
    failure = sgx.explore_hang("plain_node_lock", preemption_bound=1).first_failure
    assert failure is not None and failure.outcome == "hang"
    return failure


def test_the_store_that_overwrites_says_how_many_updates_it_wiped_out() -> None:
    failure = hang_trace()
    (store,) = [step for step in failure.steps if step.overwrites]
    assert store.lost_updates == 4 and store.overwrites == (1,)
    erased = [failure.steps[number - 1] for number in store.overwritten_steps]
    # each one worker 1's store of the same counter, after worker 0 loaded it
    assert all((s.thread, s.access, s.shared) == (1, "store", "counter") for s in erased)
    assert failure.drift == 4  # four decrements lost, none found again
    assert "LOST UPDATE: overwrites 4 updates of worker 1" in failure.text


def test_a_switch_because_the_thread_before_blocked_on_a_held_lock_is_marked_and_is_no_preemption() -> None:
    failure = hang_trace()
    blocked = [step for step in failure.steps if step.blocked]
    assert blocked, "worker 1 blocks on node 0's lock, which worker 0 holds"
    for step in blocked:
        before = failure.steps[step.step - 2]
        assert not step.preemption and step.thread != before.thread
        waiting = next(s for s in failure.steps[step.step :] if s.thread == before.thread)
        assert waiting.access == "lock"  # its next step is the lock it waited for
    assert any(line.split()[1:2] == ["~"] for line in failure.text.splitlines())


def test_the_watermark_test_s_loads_are_labelled_as_the_test_and_an_update_s_are_not() -> None:
    failure = hang_trace()
    loads = [step for step in failure.steps if step.access == "load" and step.shared == "counter"]
    tests = [step for step in loads if step.watermark_test]
    assert tests and len(tests) < len(loads)
    for step in loads:
        mine = [s for s in failure.steps[step.step :] if s.thread == step.thread and s.shared == "counter"]
        assert step.watermark_test == (not mine or mine[0].access != "store")
        assert step.description.startswith("watermark test: counter =") == step.watermark_test
    assert failure.steps[-1].watermark_test and failure.steps[-1].thread == 2  # ksgxd's own test
    update_run = sgx.explore("plain_node_lock", threads=2, ops=1).first_failure
    assert update_run is not None and not any(step.watermark_test for step in update_run.steps)


def test_the_last_row_of_a_trace_says_how_the_run_ended() -> None:
    hang = [line for line in hang_trace().text.splitlines() if line.lstrip().startswith("end ")]
    assert len(hang) == 1 and "hung: every free list empty while the count reads 4" in hang[0]
    lost = sgx.explore("plain_node_lock", threads=2, ops=1).first_failure
    assert lost is not None
    assert "end  count off by +1: counter 3, true free 2" in lost.text


def test_the_plot_draws_each_overwrite_arrow_to_an_overwritten_counter_store() -> None:
    pytest.importorskip("matplotlib")
    from pysgxalloc.cli.trace_plot import trace_figure

    failure = hang_trace()
    (store,) = [step for step in failure.steps if step.overwrites]
    figure = trace_figure("plain_node_lock", failure)
    from matplotlib.text import Annotation

    arrows = [t for t in figure.axes[0].texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    assert len(arrows) == store.lost_updates
    targets = sorted(int(arrow.xy[0]) for arrow in arrows)
    assert targets == list(store.overwritten_steps)
    assert all(failure.steps[number - 1].shared == "counter" for number in targets)


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
    res = sgx.explore_hang(strategy, preemption_bound=1, time_limit=NO_TIME_LIMIT)
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
        ({"stripes": 3}, ValueError),
        ({"mode": "random"}, ValueError),
        ({"mode": "pct", "depth": 0}, ValueError),
        ({"mode": "pct", "depth": 10**6}, ValueError),
        ({"mode": "pct", "depth": 2**70}, ValueError),
        ({"mode": "pct", "runs": 0}, ValueError),
        ({"mode": "pct", "seed": -1}, ValueError),
        ({"mode": "pct", "steps": 0}, ValueError),
        ({"mode": "pct", "steps": 10**9}, ValueError),
        ({"stripes": 128}, ValueError),
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
