"""The native hammer: real OS threads, every operation accounted for, results measured in C++."""

from __future__ import annotations

import os

import numpy as np
import pytest
from background import Background

import pysgxalloc as sgx
from pysgxalloc._test_hooks import failing_worker
from pysgxalloc.machine import usable_cpus

ALL = [s.name for s in sgx.STRATEGIES]


@pytest.mark.parametrize("strategy", ALL)
def test_one_thread_counts_exactly_with_every_strategy(strategy: str) -> None:
    res = sgx.hammer(strategy, threads=1, ops=20_000, rounds=4)
    assert res.drift == 0
    assert np.array_equal(res.drift_by_round, np.zeros(4, dtype=np.int64))
    assert res.counter == res.true_free == 2 * 4096


def test_every_thread_runs_its_share_of_whole_batches() -> None:
    # 1000 ops in 3 rounds of batches of 4 alloc + 4 free: ceil(1000 / 24) = 42 iterations per round
    res = sgx.hammer("atomic", threads=3, ops=1000, batch=4, rounds=3)
    assert res.per_thread_ops.dtype == np.int64
    assert res.per_thread_ops.tolist() == [42 * 3 * 8] * 3
    assert res.total_ops == int(res.per_thread_ops.sum())
    assert res.alloc_failures == 0


def test_drift_is_read_once_per_round() -> None:
    res = sgx.hammer("per_node", threads=2, ops=10_000, rounds=7)
    assert res.drift_by_round.shape == (7,)
    assert res.drift_by_round[-1] == res.drift


def test_hammer_returns_every_page_it_allocated() -> None:
    res = sgx.hammer("plain_unlocked", threads=2, nodes=3, pages_per_node=100, ops=10_000, batch=16)
    assert res.true_free == 300


def test_a_batch_bigger_than_the_pool_counts_failed_allocations() -> None:
    res = sgx.hammer("atomic", threads=1, nodes=2, pages_per_node=3, ops=20, batch=10)
    # each iteration: 10 attempts, 6 succeed, 4 fail, 6 frees
    assert res.alloc_failures == 4
    assert res.total_ops == 16
    assert res.true_free == res.counter == 6


def test_throughput_is_operations_over_wall_time() -> None:
    res = sgx.hammer("atomic", threads=2, ops=50_000)
    assert res.wall_seconds > 0
    assert res.ops_per_sec == pytest.approx(res.total_ops / res.wall_seconds)
    assert res.ns_per_op == pytest.approx(1e9 * 2 * res.wall_seconds / res.total_ops)


def test_work_between_operations_keeps_exact_strategies_exact() -> None:
    res = sgx.hammer("atomic", threads=2, ops=5_000, work=200)
    assert res.drift == 0 and res.work == 200


def test_pinned_workers_run_to_completion() -> None:
    res = sgx.hammer("per_node", threads=3, ops=10_000, pin=True)
    assert res.pin and res.drift == 0
    assert res.per_thread_ops.tolist() == [10_000] * 3


def test_a_worker_error_is_rethrown_after_every_thread_joined() -> None:
    with pytest.raises(RuntimeError, match="worker 1 failed on request"), failing_worker(1):
        sgx.hammer("atomic", threads=3, ops=10_000, rounds=3)
    # the failed run left nothing behind: the next one runs normally
    assert sgx.hammer("atomic", threads=3, ops=1_000).drift == 0


def test_the_hammer_releases_the_gil_while_threads_run() -> None:
    # This thread runs Python, so holds the GIL, whenever it looks: if the hammer held the GIL for
    # its whole run, this thread could never see the hammer's own threads running.
    before = len(os.listdir("/proc/self/task"))
    worker = Background(lambda: sgx.hammer("atomic_in_lock", threads=1, ops=20_000_000))
    seen_running = False
    while not worker.done.is_set() and not seen_running:
        seen_running = len(os.listdir("/proc/self/task")) > before + 1  # beyond the Background thread
    worker.join()
    assert seen_running


def test_oversubscription_is_flagged_when_threads_outnumber_cpus() -> None:
    few = sgx.hammer("atomic", threads=1, ops=100)
    many = sgx.hammer("atomic", threads=usable_cpus() + 1, ops=100)
    assert not few.oversubscribed
    assert many.oversubscribed
    assert "oversubscribed" in repr(many)


def test_result_repr_reads_as_a_summary() -> None:
    res = sgx.hammer("per_node", threads=1, ops=1000)
    text = repr(res)
    assert text.startswith("HammerResult(strategy=per_node, layout=padded, engine=native, threads=1 on ")
    assert "Mops/s" in text and "drift=+0" in text
