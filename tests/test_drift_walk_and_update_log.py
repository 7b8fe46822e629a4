"""The two ways to watch a reclaim run from inside: the drift walk and the update log.

The drift walk samples the count and the free pages with every node lock held; the update
log stamps each update of the one shared count. Each test below decides its outcome by the
rule, whatever the schedule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pysgxalloc as sgx
from pysgxalloc.update_log import UpdateLog, count_near

SEED_SHAPE: dict[str, Any] = {"nodes": 2, "pages_per_node": 2048, "preset": "seed", "stall_seconds": 60}


@pytest.mark.parametrize("strategy", ["atomic_in_lock", "per_node", "plain_global_lock"])
def test_every_point_of_an_exact_strategys_walk_shows_the_injected_drift(strategy: str) -> None:
    # sampled under every node lock, an exact count differs from the free pages by the drift
    # it started with, at every point: no update is lost, and inside-lock updates are whole.
    # plain_global_lock updates after the unlock, but its read under the node locks still
    # differs only by updates in flight, at most one per thread (2 here)
    res = sgx.reclaim_scenario(strategy, initial_drift=7, walk_interval_seconds=0.001, **SEED_SHAPE)
    walk = res.drift_walk
    assert walk is not None and walk.samples >= 2  # one while running, one at the end
    slack = 0 if strategy != "plain_global_lock" else 2
    assert np.all(np.abs(walk.drift - 7) <= slack), walk.drift
    assert walk.drift[-1] == res.drift == 7


def test_the_walks_last_point_is_the_end_state() -> None:
    res = sgx.reclaim_scenario("plain_node_lock", initial_drift=100, walk_interval_seconds=0.001)
    assert res.hung, res
    walk = res.drift_walk
    assert walk is not None
    assert (walk.counter[-1], walk.free[-1], walk.touches[-1]) == (res.counter, res.true_free, res.touches)
    assert np.all(np.diff(walk.seconds) >= 0) and np.all(np.diff(walk.touches) >= 0)


def test_no_walk_and_no_log_unless_asked_for() -> None:
    res = sgx.reclaim_scenario("atomic", **SEED_SHAPE)
    assert res.drift_walk is None and res.update_log is None


@pytest.mark.parametrize("interval", [-1.0, 0.0001, float("nan")])
def test_a_bad_walk_interval_is_a_value_error(interval: float) -> None:
    with pytest.raises(ValueError, match="walk_interval_seconds"):
        sgx.reclaim_scenario("atomic", walk_interval_seconds=interval)


def test_the_log_stamps_every_update_by_the_thread_that_made_it() -> None:
    # the fault worker's updates are its allocations and its removals' frees; ksgxd's are
    # the frees of the pages it wrote back; the boot frees come before the run, unstamped
    res = sgx.reclaim_scenario("atomic", update_log_limit=1 << 20, **SEED_SHAPE)
    assert res.completed, res
    log = res.update_log
    assert log is not None and len(log.workers) == 1 and not log.full
    assert len(log.workers[0]) == res.faults_served + res.pages_removed
    assert len(log.ksgxd) == res.pages_reclaimed
    for stamps in (*log.workers, log.ksgxd):
        assert np.all(stamps >= 0) and np.all(np.diff(stamps) >= 0)
    assert log.updates == len(log.workers[0]) + len(log.ksgxd)


def test_the_log_keeps_one_array_per_worker() -> None:
    res = sgx.reclaim_scenario("plain_node_lock", threads=3, update_log_limit=1 << 16, passes=1)
    assert res.update_log is not None and len(res.update_log.workers) == 3


def test_a_thread_past_the_limit_stops_stamping_and_the_log_says_so() -> None:
    res = sgx.reclaim_scenario("atomic", update_log_limit=100, **SEED_SHAPE)
    log = res.update_log
    assert log is not None and log.full
    assert len(log.workers[0]) == 100
    assert log.covered_ns == int(log.workers[0][-1])  # only the time every log covers counts


@pytest.mark.parametrize("strategy", ["per_node", "percpu_batch", "striped"])
def test_a_strategy_without_one_shared_count_has_nothing_to_stamp(strategy: str) -> None:
    with pytest.raises(ValueError, match=f"{strategy} has none"):
        sgx.reclaim_scenario(strategy, update_log_limit=1000)


@pytest.mark.parametrize("limit", [-1, 1 << 40])
def test_a_bad_log_limit_is_a_value_error(limit: int) -> None:
    with pytest.raises(ValueError, match="update_log_limit"):
        sgx.reclaim_scenario("atomic", update_log_limit=limit)


def test_count_near_counts_the_stamps_with_a_neighbour_within_the_window() -> None:
    first = np.array([0, 100, 250, 1000], dtype=np.int64)
    second = np.array([5, 240, 2000], dtype=np.int64)
    assert count_near(first, second, 0) == 0
    assert count_near(first, second, 5) == 1  # 0 (5 away)
    assert count_near(first, second, 10) == 2  # and 250 (10 away)
    assert count_near(first, second, 140) == 3  # and 100 (95 away from 5, 140 from 240)
    assert count_near(first, second, 1000) == 4  # and 1000 (760 from 240, 1000 from 2000)
    assert count_near(first, second[:0], 1000) == 0


def test_ksgxd_and_workers_are_compared_across_threads_only() -> None:
    log = UpdateLog(
        workers=(np.array([10, 20], dtype=np.int64), np.array([21, 500], dtype=np.int64)),
        ksgxd=np.array([12, 490, 900], dtype=np.int64),
        limit=10,
        full=False,
    )
    assert log.ksgxd_near_workers(2) == 1  # 12 (10 is 2 away)
    assert log.ksgxd_near_workers(10) == 2  # and 490 (500 is 10 away)
    assert log.workers_near_each_other(1) == 2  # 20 and 21, each the other's neighbour
    assert log.workers_near_each_other(0) == 0
