"""Phased hammer runs: allocations and frees in separate phases, so lost updates are counted by
direction (net drift, a random walk, lets them cancel).

The statistical bound. A run is 2 pinned threads x 1,000,000 operations in batches of 2048
pages, 10 rounds. Measured on this project's 2-CPU machine while other builds ran,
plain_node_lock lost updates in both directions in 20 of 20 runs (`hammer("plain_node_lock",
threads=2, ops=1_000_000, batch=2048, rounds=10, phased=True, pin=True)`). The test asks for
one such run in BOTH_RUNS and assumes a per-run rate of only MIN_RATE, so it fails by bad luck
with chance (1 - MIN_RATE) ** BOTH_RUNS, below one in a million (checked below).
"""

from __future__ import annotations

import pytest

import pysgxalloc as sgx
from pysgxalloc.hammer_settings import PHASED_BATCH

OPS = 1_000_000
BATCH = 2048
ROUNDS = 10
BOTH_RUNS = 40
MIN_RATE = 0.30
EXACT_RUNS = 5

NEVER_LOSE = [s.name for s in sgx.STRATEGIES if sgx.accuracy(s) is not sgx.Accuracy.drifts]
PAGES = 2 * 4096


def test_the_both_directions_test_fails_by_chance_less_than_once_in_a_million() -> None:
    assert (1 - MIN_RATE) ** BOTH_RUNS < 1e-6


def _phased(strategy: str, engine: sgx.Engine = "native") -> sgx.HammerResult:
    return sgx.hammer(
        strategy, threads=2, ops=OPS, batch=BATCH, rounds=ROUNDS, phased=True, pin=True, engine=engine
    )


def _accounts_for_the_drift(res: sgx.HammerResult) -> None:
    # Each phase moves the exact count one way only, so what it lost adds up to the exact drift;
    # and lost updates can cancel in the net drift but never hide from the phases.
    assert res.exact_drift == int(res.lost_decrements.sum() - res.lost_increments.sum()), res
    if res.accuracy is not sgx.Accuracy.bounded:  # a bounded cheap read lags by design, losing nothing
        assert res.lost_updates >= abs(res.drift), res
    assert (res.lost_decrements >= 0).all() and (res.lost_increments >= 0).all()
    assert res.true_free == PAGES, "pages were lost: the lists, not just the counter, broke"


@pytest.mark.needs_two_cpus
@pytest.mark.parametrize("engine", sgx.ENGINES)
@pytest.mark.parametrize("strategy", NEVER_LOSE)
def test_strategies_that_cannot_lose_updates_lose_none_in_either_direction(
    strategy: str, engine: sgx.Engine
) -> None:
    for run in range(EXACT_RUNS):
        res = _phased(strategy, engine)
        assert res.lost_decrements.tolist() == [0] * ROUNDS, f"run {run}: {res}"
        assert res.lost_increments.tolist() == [0] * ROUNDS, f"run {run}: {res}"
        _accounts_for_the_drift(res)


@pytest.mark.needs_two_cpus
def test_plain_node_lock_loses_updates_in_both_directions() -> None:
    for _ in range(BOTH_RUNS):
        res = _phased("plain_node_lock")
        _accounts_for_the_drift(res)
        if res.lost_decrements.any() and res.lost_increments.any():
            return
    pytest.fail(f"no run of {BOTH_RUNS} lost updates in both directions")


@pytest.mark.parametrize("engine", sgx.ENGINES)
def test_lost_updates_account_for_the_drift_in_every_run(engine: sgx.Engine) -> None:
    for _ in range(5):
        _accounts_for_the_drift(_phased("plain_node_lock", engine))


def test_phased_runs_do_the_same_operations_as_unphased_ones() -> None:
    phased = sgx.hammer("atomic", threads=2, ops=10_000, batch=64, rounds=3, phased=True)
    churned = sgx.hammer("atomic", threads=2, ops=10_000, batch=64, rounds=3)
    assert phased.per_thread_ops.tolist() == churned.per_thread_ops.tolist()


def test_unphased_runs_report_no_lost_updates_by_direction() -> None:
    res = sgx.hammer("plain_node_lock", threads=2, ops=10_000, rounds=2)
    assert res.lost_decrements.tolist() == res.lost_increments.tolist() == [0, 0]
    assert res.lost_updates == 0


def test_lost_per_million_counts_lost_updates_against_all_updates() -> None:
    res = _phased("plain_node_lock")
    assert res.lost_per_million == pytest.approx(1e6 * res.lost_updates / res.total_ops)


def test_a_phased_run_without_a_batch_moves_hundreds_of_pages_between_barriers() -> None:
    # ops per thread rounded up to whole batches: one iteration of PHASED_BATCH allocs and frees
    res = sgx.hammer("atomic", threads=2, ops=10, phased=True)
    assert res.batch == PHASED_BATCH
    assert res.per_thread_ops.tolist() == [2 * PHASED_BATCH] * 2
    assert sgx.hammer("atomic", threads=2, ops=10).batch == 1
