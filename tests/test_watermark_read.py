"""The watermark test's read: the cheap read, or the exact one near the watermark.

percpu_batch's cheap read may sit up to its error bound above the truth, so a cheap
watermark check can say "enough free pages" while fewer than the watermark are free:
the same silence that hung the kernel's reclaimer. Comparing against the exact sum
whenever the cheap read is within the error bound of the watermark, as Linux's
__percpu_counter_compare does, gives the true answer at the price of the lock, and only
near the watermark.
"""

from __future__ import annotations

import pytest

import pysgxalloc as sgx

NEAR = sgx.WatermarkRead.exact_near_watermark


def percpu_pool_with_unfolded_allocations(allocations: int) -> sgx.EpcPool:
    pool = sgx.EpcPool("percpu_batch", nodes=1, pages_per_node=100, counter_batch=32)
    for _ in range(allocations):
        pool.alloc(0, slot=0)
    return pool


def test_percpu_cheap_read_says_no_reclaim_while_fewer_than_the_watermark_are_free() -> None:
    pool = percpu_pool_with_unfolded_allocations(80)  # folds at the 32nd and 64th; 16 stay in slot 0
    assert pool.exact_count == 20
    assert pool.counter == 36
    assert not pool.count_below(32)


def test_exact_near_the_watermark_sees_the_truth() -> None:
    pool = percpu_pool_with_unfolded_allocations(80)
    assert pool.count_below(32, read=NEAR)


def test_far_from_the_watermark_the_cheap_read_decides() -> None:
    pool = percpu_pool_with_unfolded_allocations(10)  # cheap 100, exact 90, bound 31
    assert pool.counter - 32 > pool.read_error_bound
    assert not pool.count_below(32, read=NEAR)
    assert pool.count_below(200, read=NEAR)


@pytest.mark.parametrize("strategy", [s for s in sgx.STRATEGIES if sgx.is_exact(s)])
def test_for_exact_strategies_both_reads_agree(strategy: sgx.Strategy) -> None:
    pool = sgx.EpcPool(strategy, nodes=1, pages_per_node=40)
    for free in range(40, 20, -1):
        assert pool.count_below(32) == pool.count_below(32, read=NEAR) == (free < 32)
        pool.alloc(0)


def test_read_of_the_wrong_type_is_a_type_error() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    with pytest.raises(TypeError, match="read must be a WatermarkRead, got str"):
        pool.count_below(32, read="exact")  # type: ignore[arg-type]
