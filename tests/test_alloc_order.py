"""Allocation follows __sgx_alloc_epc_page(): local node, then the others in rising id, wrapping round;
each node hands out its list head, and a freed page rejoins its home node's tail."""

from __future__ import annotations

import pytest

import pysgxalloc as sgx

ALL = [s.name for s in sgx.STRATEGIES]


def drain(pool: sgx.EpcPool, node: int) -> None:
    """Allocate every page of `node` from `node` itself."""
    for _ in range(pool.node_pages[node]):
        page = pool.alloc(node)
        assert page is not None and pool.home_node(page) == node


@pytest.mark.parametrize("strategy", ALL)
def test_alloc_takes_the_local_node_first(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=4, pages_per_node=2)
    for node in range(4):
        page = pool.alloc(node)
        assert page is not None and pool.home_node(page) == node


@pytest.mark.parametrize("strategy", ALL)
def test_alloc_falls_back_to_higher_nodes_then_wraps_round(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, nodes=4, pages_per_node=1)
    homes = []
    for _ in range(4):
        page = pool.alloc(2)
        assert page is not None
        homes.append(pool.home_node(page))
    assert homes == [2, 3, 0, 1]
    assert pool.alloc(2) is None


def test_alloc_skips_empty_nodes_in_rising_order() -> None:
    pool = sgx.EpcPool("atomic", nodes=5, pages_per_node=2)
    drain(pool, 3)
    drain(pool, 4)
    page = pool.alloc(3)
    assert page is not None and pool.home_node(page) == 0


def test_each_node_hands_out_its_list_head_in_page_order() -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=3)
    assert [pool.alloc(1) for _ in range(3)] == [3, 4, 5]


def test_a_freed_page_rejoins_the_tail_of_its_home_node() -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=3)
    first = pool.alloc(0)
    assert first == 0
    pool.free(first)
    assert [pool.alloc(0) for _ in range(3)] == [1, 2, 0]


def test_a_page_allocated_remotely_returns_to_its_home_node() -> None:
    pool = sgx.EpcPool("per_node", nodes=2, pages_per_node=1)
    local = pool.alloc(0)
    remote = pool.alloc(0)
    assert (local, remote) == (0, 1)
    pool.free(1)
    # node 0 is still empty, node 1 has its page back
    assert pool.alloc(1) == 1
    assert pool.alloc(0) is None
