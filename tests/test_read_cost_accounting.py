"""read_cost(): writers churn while one reader reads the counter; every figure is accounted for."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pysgxalloc as sgx
from pysgxalloc.machine import usable_cpus

ALL = [s.name for s in sgx.STRATEGIES]


@pytest.mark.parametrize("strategy", ALL)
@pytest.mark.parametrize("exact_read", [False, True])
def test_writers_do_their_share_while_the_reader_reads(strategy: str, exact_read: bool) -> None:
    # 20,000 ops in batches of 64 allocations and 64 frees: ceil(20000 / 128) = 157 iterations
    res = sgx.read_cost(strategy, writers=2, ops=20_000, batch=64, exact_read=exact_read)
    assert res.per_writer_ops.dtype == np.int64
    assert res.per_writer_ops.tolist() == [157 * 128] * 2
    assert res.writer_ops == 2 * 157 * 128
    assert res.reads > 0 and res.reads % 256 == 0  # whole chunks
    assert res.ns_per_read == pytest.approx(1e9 * res.reader_seconds / res.reads)
    assert res.writer_ops_per_sec == pytest.approx(res.writer_ops / res.writer_seconds)


def test_with_no_writers_the_reader_reads_ops_times_at_least() -> None:
    res = sgx.read_cost("atomic", writers=0, ops=10_000)
    assert res.reads >= 10_000
    assert res.writer_ops == 0 and res.writer_ops_per_sec == 0.0
    assert res.per_writer_ops.shape == (0,)


def test_the_reader_counts_as_a_thread_for_oversubscription() -> None:
    cpus = usable_cpus()
    assert not sgx.read_cost("atomic", writers=cpus - 1, ops=1_000).oversubscribed
    assert sgx.read_cost("atomic", writers=cpus, ops=1_000).oversubscribed


def test_options_reach_the_counter() -> None:
    res = sgx.read_cost("percpu_batch", writers=1, ops=1_000, counter_batch=7, packed=True, pin=True)
    assert (res.counter_batch, res.packed, res.pin) == (7, True, True)


def test_pairs_are_a_batch_of_one() -> None:
    res = sgx.read_cost("atomic", writers=1, ops=1_001, batch=1)
    assert res.per_writer_ops.tolist() == [1_002]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"writers": -1}, ValueError, "writers must be between 0 and 1023"),
        ({"writers": 1024}, ValueError, "writers must be between 0 and 1023"),
        ({"ops": 0}, ValueError, "ops must be between 1"),
        ({"batch": 0}, ValueError, "batch must be between 1 and 65536"),
        ({"work": -1}, ValueError, "work must be between 0"),
        ({"nodes": 0}, ValueError, "nodes must be between 1 and 1024"),
        ({"counter_batch": 0}, ValueError, "counter_batch must be between 1"),
        ({"writers": 1.0}, TypeError, "writers must be an int"),
        ({"exact_read": 1}, TypeError, "exact_read must be a bool"),
    ],
)
def test_bad_arguments_are_refused_before_any_thread_starts(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        sgx.read_cost("atomic", **arguments)
