"""Pools with CPU-only NUMA nodes (0 pages, not in sgx_numa_mask), and the two node searches of
__sgx_alloc_epc_page(): v5.13's, which stops only when back at the caller's node and so never
stops for a caller outside the mask, and the 2024 fix, which stops when back at the first node tried."""

from __future__ import annotations

import pytest

import pysgxalloc as sgx

ALL = [s.name for s in sgx.STRATEGIES]
SEARCHES = list(sgx.NodeSearch)

# (pages per node, the CPU-only caller): the CPU-only node first, last, between EPC nodes, and several.
MASKS = [
    ([0, 1, 1], 0),
    ([1, 1, 0], 2),
    ([1, 0, 1], 1),
    ([1, 0, 1, 0, 1], 3),
    ([0, 0, 1, 1, 0, 1], 1),
]


def kernel_search_order(pages: list[int], caller: int) -> list[int]:
    """The nodes the kernel tries, in order: the caller's if it has EPC, then
    nid = next_node_in(nid, sgx_numa_mask) (the next node with EPC above nid, wrapping)
    until back at the start."""
    mask = [node for node, count in enumerate(pages) if count > 0]
    above = [node for node in mask if node > caller]
    below = [node for node in mask if node < caller]
    return ([caller] if caller in mask else []) + above + below


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize(("pages", "caller"), MASKS)
def test_a_cpu_only_caller_searches_the_mask_rising_from_its_node_and_wrapping(
    search: sgx.NodeSearch, pages: list[int], caller: int
) -> None:
    pool = sgx.EpcPool("atomic", pages_per_node=pages, node_search=search)
    homes = []
    for _ in range(sum(pages)):  # one page a node: each alloc empties the node it came from
        page = pool.alloc(caller)
        assert page is not None
        homes.append(pool.home_node(page))
    assert homes == kernel_search_order(pages, caller)


@pytest.mark.parametrize("search", SEARCHES)
def test_a_caller_on_an_epc_node_tries_its_own_node_first_and_skips_cpu_only_ones(
    search: sgx.NodeSearch,
) -> None:
    pages = [1, 0, 1, 0, 1]
    pool = sgx.EpcPool("per_node", pages_per_node=pages, node_search=search)
    homes = [
        pool.home_node(page) for page in (pool.alloc(2), pool.alloc(2), pool.alloc(2)) if page is not None
    ]
    assert homes == kernel_search_order(pages, 2) == [2, 4, 0]


@pytest.mark.parametrize("strategy", ALL)
def test_the_v5_13_search_from_a_cpu_only_node_with_every_list_empty_raises_soft_lockup(
    strategy: str,
) -> None:
    pool = sgx.EpcPool(strategy, pages_per_node=[1, 1, 0], node_search="v5_13_until_caller")
    assert pool.alloc(0) is not None and pool.alloc(1) is not None
    with pytest.raises(sgx.SoftLockupError):
        pool.alloc(2)


def test_the_soft_lockup_names_the_callers_node_the_mask_and_the_kernel_fix() -> None:
    pool = sgx.EpcPool("atomic", pages_per_node=[0, 1, 0, 1], node_search=sgx.NodeSearch.v5_13_until_caller)
    pool.alloc(1)
    pool.alloc(3)
    with pytest.raises(sgx.SoftLockupError) as raised:
        pool.alloc(2)
    message = str(raised.value)
    assert "node 2" in message
    assert "{1,3}" in message
    assert "Fix deadlock in SGX NUMA node search" in message


def test_a_soft_lockup_leaves_the_pool_as_it_was() -> None:
    pool = sgx.EpcPool("per_node", pages_per_node=[2, 0], node_search="v5_13_until_caller")
    pages = [pool.alloc(0), pool.alloc(0)]
    with pytest.raises(sgx.SoftLockupError):
        pool.alloc(1)
    assert (pool.counter, pool.true_free) == (0, 0)
    pool.check_invariant()
    for page in pages:
        assert page is not None
        pool.free(page)
    assert (pool.counter, pool.true_free) == (2, 2)


@pytest.mark.parametrize("search", SEARCHES)
def test_a_caller_on_an_epc_node_with_every_list_empty_gets_none(search: sgx.NodeSearch) -> None:
    pool = sgx.EpcPool("atomic", pages_per_node=[1, 1, 0], node_search=search)
    pool.alloc(0)
    pool.alloc(1)
    assert pool.alloc(0) is None
    assert pool.alloc(1) is None


def test_the_2024_search_from_a_cpu_only_node_with_every_list_empty_gets_none() -> None:
    pool = sgx.EpcPool("atomic", pages_per_node=[1, 1, 0])  # the fix is the default
    assert pool.node_search is sgx.NodeSearch.fixed_2024
    pool.alloc(2)
    pool.alloc(2)
    assert pool.alloc(2) is None


def test_soft_lockup_error_is_the_packages_error_and_double_free_stays_a_value_error() -> None:
    assert issubclass(sgx.SoftLockupError, sgx.SgxAllocError)
    assert issubclass(sgx.DoubleFreeError, sgx.SgxAllocError)
    assert issubclass(sgx.DoubleFreeError, ValueError)
    assert issubclass(sgx.InvariantError, sgx.SgxAllocError)


@pytest.mark.parametrize("strategy", ALL)
def test_every_strategy_starts_counting_the_pages_of_every_node(strategy: str) -> None:
    pool = sgx.EpcPool(strategy, pages_per_node=[3, 0, 5])
    assert (pool.nodes, pool.total_pages, pool.node_pages) == (3, 8, [3, 0, 5])
    assert pool.counter == pool.exact_count == pool.true_free == 8
    pages = [pool.alloc(1) for _ in range(8)]
    assert pool.exact_count == pool.true_free == 0
    for page in pages:
        assert page is not None
        pool.free(page)
    assert pool.exact_count == pool.true_free == 8


def test_pages_freed_from_uneven_nodes_go_home() -> None:
    pool = sgx.EpcPool("per_node", pages_per_node=[1, 0, 3])
    assert [pool.home_node(page) for page in range(4)] == [0, 2, 2, 2]


def test_an_int_pages_per_node_still_means_every_node_alike() -> None:
    pool = sgx.EpcPool("atomic", nodes=3, pages_per_node=4)
    assert (pool.nodes, pool.pages_per_node, pool.node_pages) == (3, 4, [4, 4, 4])


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([0, 0, 0], "at least one node EPC pages"),
        ([4, -1], r"pages_per_node\[1\] must be at least 0"),
        ([1] * 1025, "nodes must be between 1 and 1024, got 1025"),
        ([], "nodes must be between 1 and 1024, got 0"),
        ([2**28, 1], "must total at most 268435456"),
    ],
)
def test_hostile_shapes_are_refused_with_a_clear_error(pages: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sgx.EpcPool("atomic", pages_per_node=pages)


def test_nodes_that_disagree_with_the_listed_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=r"nodes must equal the length of pages_per_node \(3\)"):
        sgx.EpcPool("atomic", nodes=2, pages_per_node=[1, 1, 0])


@pytest.mark.parametrize(("pages", "name"), [([1, 2.5], r"pages_per_node\[1\]"), ("12", "pages_per_node")])
def test_counts_that_are_not_ints_are_a_type_error(pages: object, name: str) -> None:
    with pytest.raises(TypeError, match=name + " must be an int"):
        sgx.EpcPool("atomic", pages_per_node=pages)  # type: ignore[arg-type]


def test_an_unknown_node_search_names_the_choices() -> None:
    with pytest.raises(ValueError, match="v5_13_until_caller, fixed_2024"):
        sgx.EpcPool("atomic", node_search="v6")
