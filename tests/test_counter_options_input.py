"""Bad counter options, slots and hold counts raise clear Python exceptions and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

import pysgxalloc as sgx


@pytest.mark.parametrize("batch", [0, -1, 2**30 + 1])
def test_pool_rejects_a_counter_batch_outside_1_to_2_pow_30(batch: int) -> None:
    with pytest.raises(ValueError, match="counter_batch must be between 1 and 1073741824"):
        sgx.EpcPool("percpu_batch", counter_batch=batch)


@pytest.mark.parametrize("bad", [2.0, "32", True])
def test_counter_batch_must_be_an_int(bad: Any) -> None:
    with pytest.raises(TypeError, match="counter_batch must be an int"):
        sgx.EpcPool("percpu_batch", counter_batch=bad)
    with pytest.raises(TypeError, match="counter_batch must be an int"):
        sgx.hammer("percpu_batch", counter_batch=bad)


@pytest.mark.parametrize("bad", [1, None, "yes"])
def test_packed_must_be_a_bool(bad: Any) -> None:
    with pytest.raises(TypeError, match="packed must be a bool"):
        sgx.EpcPool("per_node", packed=bad)
    with pytest.raises(TypeError, match="packed must be a bool"):
        sgx.hammer("per_node", packed=bad)


@pytest.mark.parametrize("slot", [-1, sgx.CALLER_SLOT + 1, 2**40])
def test_a_slot_out_of_range_is_a_value_error_and_changes_nothing(slot: int) -> None:
    pool = sgx.EpcPool("percpu_batch", nodes=1, pages_per_node=4, counter_batch=2)
    page = pool.alloc(0, slot=3)
    assert page is not None
    before = (pool.counter, pool.exact_count, pool.true_free)
    with pytest.raises(ValueError, match="slot must be between 0 and 1024"):
        pool.alloc(0, slot=slot)
    with pytest.raises(ValueError, match="slot must be between 0 and 1024"):
        pool.free(page, slot=slot)
    assert (pool.counter, pool.exact_count, pool.true_free) == before
    pool.check_invariant()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"hold": -1}, "hold must be between 0 and 65536"),
        ({"hold": 70_000}, "hold must be between 0 and 65536"),
        ({"counter_batch": 0}, "counter_batch must be between 1"),
    ],
)
def test_hammer_rejects_out_of_range_counter_arguments(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sgx.hammer("percpu_batch", **arguments)


def test_a_hold_bigger_than_the_pool_holds_what_there_is() -> None:
    res = sgx.hammer("percpu_batch", threads=2, nodes=1, pages_per_node=10, ops=100, hold=8, counter_batch=4)
    assert res.true_free == 10 and res.exact_drift == 0
    assert res.alloc_failures > 0  # the churn found the pool short while the holds were out
