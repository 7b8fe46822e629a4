"""striped, Java's LongAdder: a thread's updates go to its slot's cell (slot modulo the cell count), and
the read sums every cell, so at any quiescent point the read is the true count."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pysgxalloc as sgx
from pysgxalloc.machine import usable_cpus

PADDED_CELL, PACKED_CELL = 128, 8  # bytes: one cell per 128-byte pair of cache lines, or a bare long


def expected_stripes() -> int:
    """The next power of two at or above the usable CPUs, at most 64."""
    return min(64, 1 << (usable_cpus() - 1).bit_length())


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, sgx.CALLER_SLOT)), max_size=80))
def test_updates_from_any_slot_sum_to_the_exact_count(steps: list[tuple[bool, int]]) -> None:
    pool = sgx.EpcPool("striped", nodes=2, pages_per_node=8)
    held: list[int] = []
    for allocate, slot in steps:
        if allocate or not held:
            page = pool.alloc(slot % 2, slot=slot)
            if page is not None:
                held.append(page)
        else:
            pool.free(held.pop(), slot=slot)  # freed from another slot than it was taken from
        assert pool.counter == pool.exact_count == pool.true_free == 16 - len(held)
    assert pool.read_error_bound == 0


def test_the_cell_count_is_the_cpu_count_rounded_up_to_a_power_of_two() -> None:
    padded = sgx.EpcPool("striped", nodes=1, pages_per_node=1).counter_state_bytes
    packed = sgx.EpcPool("striped", nodes=1, pages_per_node=1, packed=True).counter_state_bytes
    # the layouts differ only in the size of each cell (the object holding the pointer is the same)
    assert padded - packed == expected_stripes() * (PADDED_CELL - PACKED_CELL)


@pytest.mark.parametrize("threads", [1, 3, 8])
def test_every_quiescent_reading_is_exact_even_with_pages_held(threads: int) -> None:
    res = sgx.hammer("striped", threads=threads, ops=20_000, batch=7, rounds=6, hold=5)
    assert res.drift_by_round.tolist() == [0] * 6
    assert res.exact_drift_by_round.tolist() == [0] * 6


@pytest.mark.needs_two_cpus
def test_threads_sharing_a_cell_lose_nothing() -> None:
    # more workers than cells: slots i and i + cells add to the same cell at once
    threads = 2 * expected_stripes() + 1
    for _ in range(5):
        res = sgx.hammer("striped", threads=threads, ops=100_000, rounds=10, hold=2)
        assert not np.any(res.drift_by_round)
