"""Hostile input: values no caller should send, each refused with a clear Python error.

Complements test_bad_input.py (ordinary mistakes) with the hostile end: NaN and infinities,
integers beyond 64 bits, sizes that would exhaust memory, thread counts far beyond any
machine, and page ids that belong to another pool. None of them may crash, hang or change
the pool.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import pysgxalloc as sgx

NOT_INTS = [math.nan, math.inf, -math.inf, np.float64("nan"), 1e300, "4", b"4", [4], None, 2 + 0j]
BEYOND_64_BITS = [2**63, -(2**63) - 1, 10**40]


# A list of sizes is one count per node (CPU-only nodes: 0); each of its items must be an int.
SIZES_NOT_INTS = [value for value in NOT_INTS if not isinstance(value, list)]


@pytest.mark.parametrize("value", SIZES_NOT_INTS)
def test_non_integers_as_a_size_are_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="pages_per_node must be an int, got"):
        sgx.EpcPool("atomic", pages_per_node=value)


@pytest.mark.parametrize("value", NOT_INTS)
def test_non_integers_in_a_list_of_sizes_are_a_type_error_naming_the_node(value: Any) -> None:
    with pytest.raises(TypeError, match=r"pages_per_node\[1\] must be an int, got"):
        sgx.EpcPool("atomic", pages_per_node=[4, value])


@pytest.mark.parametrize("value", NOT_INTS)
def test_non_integers_as_a_node_or_page_are_a_type_error(value: Any) -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=4)
    with pytest.raises(TypeError, match="node must be an int"):
        pool.alloc(value)
    with pytest.raises(TypeError, match="page id must be an int"):
        pool.free(value)
    with pytest.raises(TypeError, match="watermark must be an int"):
        pool.count_below(value)
    assert pool.true_free == pool.counter == 8


@pytest.mark.parametrize("value", NOT_INTS)
def test_non_integers_as_hammer_counts_are_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="ops must be an int"):
        sgx.hammer("atomic", ops=value)


@pytest.mark.parametrize("value", BEYOND_64_BITS)
def test_integers_beyond_64_bits_are_a_value_error_everywhere(value: int) -> None:
    message = "must fit in a signed 64-bit integer"
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    with pytest.raises(ValueError, match="page id " + message):
        pool.free(value)
    with pytest.raises(ValueError, match="node " + message):
        pool.alloc(value)
    with pytest.raises(ValueError, match="nodes " + message):
        sgx.EpcPool("atomic", nodes=value)
    with pytest.raises(ValueError, match="threads " + message):
        sgx.hammer("atomic", threads=value)
    with pytest.raises(ValueError, match="initial_drift " + message):
        sgx.EpcPool("atomic", initial_drift=value)


def test_an_enormous_integer_is_described_not_printed() -> None:
    with pytest.raises(ValueError, match="got one of 33220 bits"):
        sgx.EpcPool("atomic", nodes=10**10000)


def test_numpy_integers_are_accepted_like_ints() -> None:
    two: Any = np.int32(2)
    four: Any = np.uint16(4)
    one: Any = np.int64(1)
    pool = sgx.EpcPool("atomic", nodes=two, pages_per_node=four)
    page = pool.alloc(one)
    assert page == 4
    pool.free(np.uint64(page))  # type: ignore[arg-type]
    assert pool.true_free == 8


@pytest.mark.parametrize(("nodes", "pages_per_node"), [(1, 2**28 + 1), (1024, 2**19), (2, 2**62)])
def test_a_pool_that_would_exhaust_memory_is_refused_with_the_limit(nodes: int, pages_per_node: int) -> None:
    with pytest.raises(ValueError, match=r"at most 268435456 pages \(8 bytes of page table each\)"):
        sgx.EpcPool("atomic", nodes=nodes, pages_per_node=pages_per_node)


@pytest.mark.parametrize("threads", [1025, 10**6, 2**62])
def test_thread_counts_far_beyond_any_machine_are_refused_before_starting_one(threads: int) -> None:
    with pytest.raises(ValueError, match=f"threads must be between 1 and 1024, got {threads}"):
        sgx.hammer("atomic", threads=threads)


def test_the_largest_thread_count_runs_oversubscribed_and_finishes() -> None:
    res = sgx.hammer("plain_global_lock", threads=1024, nodes=4, pages_per_node=64, ops=64)
    assert res.oversubscribed or res.cpus >= 1024
    assert res.true_free == res.counter == 256


@pytest.mark.parametrize(
    ("field", "limit"), [("ops", 2**50), ("batch", 2**16), ("rounds", 2**20), ("work", 2**30)]
)
def test_hammer_sizes_past_their_limit_name_the_limit(field: str, limit: int) -> None:
    with pytest.raises(ValueError, match=f"{field} must be between [01] and {limit}, got {limit + 1}"):
        sgx.hammer("atomic", **{field: limit + 1})  # type: ignore[arg-type]


def test_a_page_id_from_a_bigger_pool_is_out_of_range_here() -> None:
    big = sgx.EpcPool("atomic", nodes=4, pages_per_node=64)
    small = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    pages = [big.alloc(3) for _ in range(2)]
    assert pages == [192, 193]
    with pytest.raises(ValueError, match="page id must be between 0 and 3, got 192"):
        small.free(192)
    assert small.true_free == small.counter == 4


def test_a_page_id_from_another_pool_that_is_free_here_is_a_double_free() -> None:
    # Page ids are plain indices: an id valid in both pools names this pool's page, and
    # this pool refuses to free a page it holds as free.
    other = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    here = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    page = other.alloc(0)
    assert page is not None
    with pytest.raises(sgx.DoubleFreeError):
        here.free(page)
    here.check_invariant()
    assert here.true_free == here.counter == 4


def test_comparison_of_the_wrong_type_is_a_type_error() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=4)
    with pytest.raises(TypeError, match="comparison must be a Comparison, got str"):
        pool.count_below(32, "kernel_unsigned")  # type: ignore[arg-type]
