"""The memory layout: `layout="kernel"` places the pool's hot objects as v5.15 does, `padded` each on its
own block; a placement only, so every count stays what it was and every exact strategy stays exact."""

from __future__ import annotations

import pytest

import pysgxalloc as sgx

LINE = 64  # the kernel's cache line
BLOCK = 128  # Padded<T>'s block
EXACT = [s.name for s in sgx.STRATEGIES if sgx.is_exact(s)]


def _lines(addresses: list[int], size: int) -> set[int]:
    return {address // size for address in addresses}


def test_kernel_layout_puts_both_node_locks_in_one_line() -> None:
    at = sgx.EpcPool("plain_node_lock", nodes=2, layout="kernel").addresses()
    assert len(at["node_locks"]) == 2
    assert len(_lines(at["node_locks"], LINE)) == 1


def test_kernel_layout_puts_the_counter_in_the_reclaimer_locks_line_with_the_node_array_pointer() -> None:
    at = sgx.EpcPool("plain_node_lock", nodes=2, layout=sgx.MemoryLayout.kernel).addresses()
    assert at["counter"] // LINE == at["reclaimer_lock"] // LINE == at["numa_nodes"] // LINE


def test_kernel_layout_puts_the_active_list_head_on_another_line_than_its_lock() -> None:
    at = sgx.EpcPool("plain_node_lock", nodes=2, layout="kernel").addresses()
    assert at["active_list"] // LINE != at["reclaimer_lock"] // LINE


def test_kernel_counter_apart_moves_only_the_counter_off_the_reclaimer_locks_line() -> None:
    kernel = sgx.EpcPool("plain_node_lock", nodes=2, layout="kernel").addresses()
    apart = sgx.EpcPool("plain_node_lock", nodes=2, layout="kernel_counter_apart").addresses()
    others = [apart["reclaimer_lock"], apart["numa_nodes"], apart["active_list"], *apart["node_locks"]]
    assert apart["counter"] // BLOCK not in {address // BLOCK for address in others}
    # Everything else sits as in `kernel`: the node locks share a line, the head is a line from its lock.
    assert len(_lines(apart["node_locks"], LINE)) == 1
    assert apart["reclaimer_lock"] // LINE == apart["numa_nodes"] // LINE != apart["active_list"] // LINE
    assert apart["reclaimer_lock"] - apart["numa_nodes"] == kernel["reclaimer_lock"] - kernel["numa_nodes"]
    assert apart["active_list"] - apart["numa_nodes"] == kernel["active_list"] - kernel["numa_nodes"]


def test_kernel_counter_apart_packs_the_cells_as_kernel_does() -> None:
    assert sgx.EpcPool("per_node", layout="kernel_counter_apart").packed


@pytest.mark.parametrize("strategy", [s.name for s in sgx.STRATEGIES])
def test_padded_layout_puts_each_object_on_its_own_block(strategy: str) -> None:
    at = sgx.EpcPool(strategy, nodes=3, layout="padded").addresses()
    objects = [*at["node_locks"], at["counter"], at["reclaimer_lock"], at["numa_nodes"]]
    blocks = [address // BLOCK for address in objects]
    assert len(set(blocks)) == len(blocks), at


def test_padded_layout_keeps_the_active_list_head_beside_its_lock() -> None:
    at = sgx.EpcPool("plain_node_lock", layout="padded").addresses()
    assert at["active_list"] // BLOCK == at["reclaimer_lock"] // BLOCK


def test_a_pool_says_which_layout_it_has_and_padded_is_the_default() -> None:
    assert sgx.EpcPool("atomic").layout is sgx.MemoryLayout.padded
    assert sgx.EpcPool("atomic", layout="kernel").layout is sgx.MemoryLayout.kernel


def test_the_kernel_layout_packs_the_cells_too() -> None:
    assert sgx.EpcPool("per_node", layout="kernel").packed
    assert not sgx.EpcPool("per_node", layout="padded").packed


def test_an_unknown_layout_is_a_value_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="padded, kernel"):
        sgx.EpcPool("atomic", layout="tight")
    with pytest.raises(ValueError, match="layout"):
        sgx.hammer("atomic", ops=10, layout="tight")
    with pytest.raises(ValueError, match="layout"):
        sgx.reclaim_scenario("atomic", layout="tight")


def test_a_layout_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        sgx.EpcPool("atomic", layout=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("layout", list(sgx.MemoryLayout))
@pytest.mark.parametrize("strategy", [s.name for s in sgx.STRATEGIES])
def test_the_same_calls_give_the_same_pages_and_counts_in_either_layout(
    strategy: str, layout: sgx.MemoryLayout
) -> None:
    pools = [
        sgx.EpcPool(strategy, nodes=3, pages_per_node=4, counter_batch=2),
        sgx.EpcPool(strategy, nodes=3, pages_per_node=4, counter_batch=2, layout=layout),
    ]
    held: list[int] = []
    for step in range(40):
        if step % 3 == 2 and held:
            page = held.pop(0)
            for pool in pools:
                pool.free(page, slot=step % 4)
        else:
            pages = {pool.alloc(step % 3, slot=step % 4) for pool in pools}
            assert len(pages) == 1
            page_or_none = pages.pop()
            if page_or_none is not None:
                held.append(page_or_none)
        assert pools[0].counter == pools[1].counter and pools[0].exact_count == pools[1].exact_count
    assert pools[1].invariant_violation() == ""


def test_the_hammer_defaults_to_padded_and_runs_the_layout_it_is_given() -> None:
    assert sgx.hammer("atomic", ops=100).layout is sgx.MemoryLayout.padded
    assert sgx.hammer("atomic", ops=100, layout="kernel").layout is sgx.MemoryLayout.kernel


def test_the_reclaim_scenario_and_its_seed_preset_default_to_the_kernels_layout() -> None:
    assert sgx.ReclaimSettings().layout is sgx.MemoryLayout.kernel
    assert sgx.ReclaimSettings(preset="seed").layout is sgx.MemoryLayout.kernel
    assert sgx.HammerSettings().layout is sgx.MemoryLayout.padded


@pytest.mark.parametrize("layout", list(sgx.MemoryLayout))
@pytest.mark.parametrize("strategy", EXACT)
def test_exact_strategies_never_drift_in_the_hammer_in_either_layout(
    strategy: str, layout: sgx.MemoryLayout
) -> None:
    for phased in (False, True):
        res = sgx.hammer(strategy, threads=2, ops=20_000, phased=phased, rounds=2, layout=layout)
        assert res.exact_drift == 0 and res.lost_updates == 0, res
        assert all(drift == 0 for drift in res.exact_drift_by_round), res


@pytest.mark.parametrize("layout", list(sgx.MemoryLayout))
@pytest.mark.parametrize("strategy", EXACT)
def test_exact_strategies_complete_the_scenario_without_drift_in_either_layout(
    strategy: str, layout: sgx.MemoryLayout
) -> None:
    res = sgx.reclaim_scenario(strategy, enclave_pages=4096, pages_per_node=1024, layout=layout)
    assert res.completed and res.pages_conserved, res
    assert res.exact_count == res.true_free, res


@pytest.mark.parametrize("layout", list(sgx.MemoryLayout))
def test_a_stamped_run_stamps_every_update_in_either_layout(layout: sgx.MemoryLayout) -> None:
    res = sgx.reclaim_scenario(
        "atomic", enclave_pages=2048, pages_per_node=512, passes=1, layout=layout, update_log_limit=4096
    )
    assert res.completed and res.update_log is not None
    assert res.exact_count == res.true_free


# No test asserts that `kernel` loses more per first fill than `padded`: on this project's 2-CPU VM
# it is not so. Quiet (load average under 0.3), in batches of 40 interleaved pairs, kernel lost more
# in 5, 7, 8, 8, 11, 25 and 32 of 40 with the workers pinned (8, 13 and 29 unpinned): the machine
# falls into timing regimes that last a batch or more and decide the sign (docs/layout.md, "What the
# layout does to the loss"). A rate test would fail on a quiet machine by the regime, not by the
# code. bench/layout_drift.py measures what the layout does, and asserts nothing.
