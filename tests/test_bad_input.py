"""Bad arguments raise clear Python exceptions and leave the pool exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest

import pysgxalloc as sgx


def snapshot(pool: sgx.EpcPool) -> tuple[int, int, list[bool]]:
    return pool.counter, pool.true_free, [pool.is_free(p) for p in range(pool.total_pages)]


@pytest.mark.parametrize("nodes", [0, -1, 1025])
def test_pool_rejects_node_counts_outside_1_to_1024(nodes: int) -> None:
    with pytest.raises(ValueError, match="nodes must be between 1 and 1024"):
        sgx.EpcPool("atomic", nodes=nodes, pages_per_node=4)


@pytest.mark.parametrize("pages", [0, -5])
def test_pool_rejects_non_positive_page_counts(pages: int) -> None:
    with pytest.raises(ValueError, match="pages_per_node must be at least 1"):
        sgx.EpcPool("atomic", nodes=2, pages_per_node=pages)


def test_pool_refuses_a_page_table_too_big_before_allocating_it() -> None:
    with pytest.raises(ValueError, match="at most 268435456 pages"):
        sgx.EpcPool("atomic", nodes=1024, pages_per_node=2**30)


def test_unknown_strategy_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'atomik'; choose one of: plain_node_lock"):
        sgx.EpcPool("atomik")


@pytest.mark.parametrize("bad", [3, None, 1.5])
def test_strategy_of_the_wrong_type_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="strategy must be a Strategy or its name"):
        sgx.EpcPool(bad)


@pytest.mark.parametrize("bad", [2.0, "2", True, None])
def test_pool_sizes_must_be_ints(bad: Any) -> None:
    with pytest.raises(TypeError, match="nodes must be an int"):
        sgx.EpcPool("atomic", nodes=bad)


@pytest.mark.parametrize("page", [-1, 8, 2**40])
def test_free_of_a_page_id_out_of_range_is_a_value_error(page: int) -> None:
    pool = sgx.EpcPool("plain_node_lock", nodes=2, pages_per_node=4)
    pool.alloc(0)
    before = snapshot(pool)
    with pytest.raises(ValueError, match="page id must be between 0 and 7"):
        pool.free(page)
    assert snapshot(pool) == before
    pool.check_invariant()


@pytest.mark.parametrize("strategy", [s.name for s in sgx.STRATEGIES])
def test_double_free_raises_and_changes_nothing(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=2, pages_per_node=4)
    page = pool.alloc(1)
    assert page is not None
    pool.free(page)
    before = snapshot(pool)
    with pytest.raises(sgx.DoubleFreeError, match=f"page {page} is already free"):
        pool.free(page)
    assert snapshot(pool) == before
    pool.check_invariant()


def test_double_free_error_is_a_value_error() -> None:
    assert issubclass(sgx.DoubleFreeError, ValueError)


def test_freeing_a_never_allocated_page_is_a_double_free() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=2)
    with pytest.raises(sgx.DoubleFreeError):
        pool.free(1)


@pytest.mark.parametrize("node", [-1, 2, 99])
def test_alloc_from_a_node_out_of_range_is_a_value_error(node: int) -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=4)
    with pytest.raises(ValueError, match="node must be between 0 and 1"):
        pool.alloc(node)
    assert pool.true_free == pool.counter == 8


def test_other_page_queries_check_the_page_id() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=2)
    with pytest.raises(ValueError, match="page id"):
        pool.home_node(2)
    with pytest.raises(ValueError, match="page id"):
        pool.is_free(-1)


def test_negative_watermark_is_a_value_error() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=2)
    with pytest.raises(ValueError, match="watermark must be >= 0"):
        pool.count_below(-1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("threads", 0, "threads must be between 1 and 1024"),
        ("threads", -3, "threads must be between 1 and 1024"),
        ("threads", 5000, "threads must be between 1 and 1024"),
        ("nodes", 0, "nodes must be between 1 and 1024"),
        ("pages_per_node", 0, "pages_per_node must be at least 1"),
        ("pages_per_node", -1, "pages_per_node must be at least 1"),
        ("ops", 0, "ops must be between 1"),
        ("ops", -10, "ops must be between 1"),
        ("batch", 0, "batch must be between 1"),
        ("rounds", 0, "rounds must be between 1"),
        ("work", -1, "work must be between 0"),
    ],
)
def test_hammer_rejects_out_of_range_arguments(field: str, value: int, message: str) -> None:
    arguments: dict[str, Any] = {field: value}
    with pytest.raises(ValueError, match=message):
        sgx.hammer("atomic", **arguments)


@pytest.mark.parametrize(
    ("field", "value"), [("threads", 2.0), ("ops", "1000"), ("rounds", None), ("batch", True)]
)
def test_hammer_rejects_non_integer_counts(field: str, value: Any) -> None:
    with pytest.raises(TypeError, match=f"{field} must be an int"):
        sgx.hammer("atomic", **{field: value})


def test_hammer_rejects_a_non_bool_pin() -> None:
    with pytest.raises(TypeError, match="pin must be a bool"):
        sgx.hammer("atomic", pin=1)  # type: ignore[arg-type]


def test_hammer_rejects_an_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="unknown strategy"):
        sgx.hammer("spinning_plates")


def test_a_remote_fetch_window_needs_the_load_store_form() -> None:
    with pytest.raises(ValueError, match="remote_fetch_ns needs plain_update=load_store"):
        sgx.EpcPool("plain_node_lock", remote_fetch_ns=100)
    with pytest.raises(ValueError, match="remote_fetch_ns needs plain_update=load_store"):
        sgx.reclaim_scenario("plain_node_lock", remote_fetch_ns=100)


@pytest.mark.parametrize("window", [-1, 1_000_001])
def test_a_remote_fetch_window_out_of_range_is_refused(window: int) -> None:
    with pytest.raises(ValueError, match="remote_fetch_ns must be"):
        sgx.EpcPool("plain_node_lock", plain_update="load_store", remote_fetch_ns=window)


def test_an_unknown_plain_update_form_names_the_choices() -> None:
    with pytest.raises(ValueError, match="in_place"):
        sgx.EpcPool("plain_node_lock", plain_update="fused")


def test_unreclaimable_pages_beyond_the_epc_are_refused() -> None:
    with pytest.raises(ValueError, match="unreclaimable_pages must be"):
        sgx.reclaim_scenario("atomic", nodes=1, pages_per_node=64, unreclaimable_pages=65)
