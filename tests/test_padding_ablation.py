"""The padding ablation: packed=True lays per-node and per-thread cells side by side (shared cache lines)
instead of one per 128 bytes. It changes memory and speed, never a count."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pysgxalloc as sgx

WITH_CELLS = ["per_node", "percpu_batch", "striped"]
SINGLE_COUNT = [s.name for s in sgx.STRATEGIES if s.name not in WITH_CELLS]


@pytest.mark.parametrize("strategy", WITH_CELLS)
@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 9)), max_size=60))
def test_packed_cells_count_exactly_like_padded_ones(
    strategy: str, steps: list[tuple[bool, int, int]]
) -> None:
    pools = [
        sgx.EpcPool(strategy, nodes=4, pages_per_node=3, counter_batch=3, packed=p) for p in (False, True)
    ]
    held: list[tuple[int, int]] = []
    for allocate, node, slot in steps:
        if allocate or not held:
            pages = {pool.alloc(node, slot=slot) for pool in pools}
            assert len(pages) == 1  # the same page from both: layout never changes allocation
            page = pages.pop()
            if page is not None:
                held.append((page, slot))
        else:
            page, slot = held.pop(0)
            for pool in pools:
                pool.free(page, slot=(slot + 1) % 10)
        padded, packed = pools
        assert (padded.counter, padded.exact_count) == (packed.counter, packed.exact_count)
        assert packed.exact_count == packed.true_free


@pytest.mark.parametrize("strategy", WITH_CELLS)
def test_packed_cells_take_less_memory(strategy: str) -> None:
    padded = sgx.EpcPool(strategy, nodes=8, pages_per_node=1)
    packed = sgx.EpcPool(strategy, nodes=8, pages_per_node=1, packed=True)
    assert packed.packed and not padded.packed
    assert packed.counter_state_bytes < padded.counter_state_bytes


def test_per_node_pays_one_padded_cell_per_node() -> None:
    one = sgx.EpcPool("per_node", nodes=1, pages_per_node=1).counter_state_bytes
    five = sgx.EpcPool("per_node", nodes=5, pages_per_node=1).counter_state_bytes
    assert five - one == 4 * 128
    one = sgx.EpcPool("per_node", nodes=1, pages_per_node=1, packed=True).counter_state_bytes
    five = sgx.EpcPool("per_node", nodes=5, pages_per_node=1, packed=True).counter_state_bytes
    assert five - one == 4 * 8


@pytest.mark.parametrize("strategy", SINGLE_COUNT)
def test_packed_changes_nothing_for_a_single_count(strategy: str) -> None:
    padded = sgx.EpcPool(strategy, nodes=4, pages_per_node=2)
    packed = sgx.EpcPool(strategy, nodes=4, pages_per_node=2, packed=True)
    assert packed.counter_state_bytes == padded.counter_state_bytes


@pytest.mark.parametrize("strategy", WITH_CELLS)
def test_packed_hammer_runs_stay_exact(strategy: str) -> None:
    res = sgx.hammer(strategy, threads=3, nodes=3, ops=30_000, batch=4, rounds=5, hold=3, packed=True)
    assert res.packed and "packed" in repr(res)
    assert res.exact_drift_by_round.tolist() == [0] * 5
    assert abs(res.drift) <= res.read_error_bound
