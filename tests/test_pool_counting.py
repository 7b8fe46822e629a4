"""Single-threaded, every strategy counts exactly (percpu_batch's exact read; its cheap read within its
bound) and never loses a page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pysgxalloc as sgx

ALL = [s.name for s in sgx.STRATEGIES]


@pytest.mark.parametrize("strategy", ALL)
def test_new_pool_counts_every_page_free(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=3, pages_per_node=5)
    assert (pool.counter, pool.exact_count, pool.true_free, pool.drift) == (15, 15, 15, 0)
    assert pool.total_pages == 15
    pool.check_invariant()


@pytest.mark.parametrize("strategy", ALL)
@settings(max_examples=40, deadline=None)
@given(
    nodes=st.integers(1, 4),
    pages_per_node=st.integers(1, 6),
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 1000)), max_size=80),
)
def test_random_alloc_free_sequences_keep_count_exact_and_pages_conserved(
    strategy: str, nodes: int, pages_per_node: int, steps: list[tuple[bool, int]]
) -> None:
    pool = sgx.EpcPool(strategy, nodes=nodes, pages_per_node=pages_per_node)
    held: list[int] = []
    for allocate, pick in steps:
        if allocate or not held:
            page = pool.alloc(pick % nodes)
            if page is None:
                assert len(held) == pool.total_pages
            else:
                assert page not in held
                held.append(page)
        else:
            pool.free(held.pop(pick % len(held)))
        expected_free = pool.total_pages - len(held)
        assert pool.exact_count == expected_free
        assert pool.true_free == expected_free
        assert pool.exact_drift == 0
        # zero for every strategy but percpu_batch, whose cheap read may lag by its unfolded delta
        assert abs(pool.counter - expected_free) <= pool.read_error_bound
    pool.check_invariant()
    for page in range(pool.total_pages):
        assert pool.is_free(page) == (page not in held)


@pytest.mark.parametrize("strategy", ALL)
def test_alloc_returns_none_once_every_node_is_empty(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=2, pages_per_node=3)
    pages = [pool.alloc(1) for _ in range(6)]
    assert None not in pages
    assert pool.alloc(0) is None
    assert pool.alloc(1) is None
    assert (pool.exact_count, pool.true_free) == (0, 0)
    pool.check_invariant()


@pytest.mark.parametrize("strategy", ALL)
def test_initial_drift_offsets_the_counter_but_not_the_lists(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=2, pages_per_node=8, initial_drift=100)
    assert (pool.counter, pool.exact_count, pool.true_free, pool.drift) == (116, 116, 16, 100)
    page = pool.alloc(0)
    assert page is not None
    assert (pool.exact_count, pool.true_free, pool.exact_drift) == (115, 15, 100)
    pool.check_invariant()


def test_count_below_is_true_only_below_the_watermark() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=33)
    assert not pool.count_below(32)  # 33 free
    pool.alloc(0)
    assert not pool.count_below(32)  # 32 free: not below
    pool.alloc(0)
    assert pool.count_below(32)  # 31 free


def test_kernel_unsigned_comparison_reads_a_negative_count_as_huge() -> None:
    pool = sgx.EpcPool("plain_node_lock", nodes=1, pages_per_node=4, initial_drift=-10)
    assert pool.counter == -6
    assert pool.count_below(32, sgx.Comparison.signed_count)
    assert not pool.count_below(32, sgx.Comparison.kernel_unsigned)


def test_pool_repr_names_strategy_and_counts() -> None:
    pool = sgx.EpcPool("per_node", nodes=2, pages_per_node=4)
    assert repr(pool) == (
        "EpcPool(strategy='per_node', nodes=2, pages_per_node=4, counter=8, exact_count=8, true_free=8)"
    )


def test_strategies_report_whether_they_are_exact() -> None:
    inexact = {s.name for s in sgx.STRATEGIES if not sgx.is_exact(s)}
    assert inexact == {"plain_node_lock", "plain_unlocked", "percpu_batch"}


def test_strategies_report_what_their_cheap_read_promises() -> None:
    by_accuracy = {a: {s.name for s in sgx.STRATEGIES if sgx.accuracy(s) is a} for a in sgx.Accuracy}
    assert by_accuracy[sgx.Accuracy.drifts] == {"plain_node_lock", "plain_unlocked"}
    assert by_accuracy[sgx.Accuracy.bounded] == {"percpu_batch"}
    assert by_accuracy[sgx.Accuracy.exact] == {
        "plain_global_lock",
        "atomic",
        "atomic_in_lock",
        "per_node",
        "striped",
    }


def test_strategy_accepts_enum_and_name_alike() -> None:
    by_enum = sgx.EpcPool(sgx.Strategy.atomic, nodes=1, pages_per_node=1)
    by_name = sgx.EpcPool("atomic", nodes=1, pages_per_node=1)
    assert by_enum.strategy is by_name.strategy is sgx.Strategy.atomic
