"""running_fraction: each worker's CPU time against the run's wall time, which says whether the
threads really ran at once."""

from __future__ import annotations

import pytest

import pysgxalloc as sgx
from pysgxalloc.machine import usable_cpus

#: Clock granularity and the moments between the clock's start and a thread's first read.
TOLERANCE = 0.02


@pytest.mark.parametrize("engine", sgx.ENGINES)
def test_running_fraction_lies_between_zero_and_one(engine: sgx.Engine) -> None:
    res = sgx.hammer("atomic", threads=2, ops=200_000, engine=engine)
    assert res.running_fraction.shape == (2,)
    assert (res.running_fraction > 0).all()
    assert (res.running_fraction <= 1 + TOLERANCE + 1e-3 / res.wall_seconds).all(), res.running_fraction


@pytest.mark.parametrize("engine", sgx.ENGINES)
def test_running_fraction_falls_well_below_one_when_threads_outnumber_cpus(engine: sgx.Engine) -> None:
    # Together the threads cannot run more than cpus x wall seconds, so the least-running one
    # ran at most cpus / threads of the time: a bound, not a statistic.
    cpus = usable_cpus()
    threads = 4 * cpus
    res = sgx.hammer("atomic", threads=threads, ops=100_000, engine=engine)
    assert res.min_running_fraction <= cpus / threads + TOLERANCE
    assert not res.concurrent


def test_cpu_time_per_operation_counts_only_the_time_threads_ran() -> None:
    res = sgx.hammer("atomic", threads=2, ops=200_000)
    assert res.cpu_ns_per_op == pytest.approx(1e9 * res.thread_cpu_seconds.sum() / res.total_ops)
    assert res.cpu_ns_per_op <= res.ns_per_op * (1 + TOLERANCE) + 1e6 / res.total_ops
