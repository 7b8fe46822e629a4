"""The memory layout: `layout="kernel"` places the pool's hot objects as v5.15 does, `padded` each on its
own block; a placement only, so every count stays what it was and every exact strategy stays exact."""

from __future__ import annotations

import math
import os

import pytest

import pysgxalloc as sgx
from pysgxalloc.machine import usable_cpus

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


# The statistical test: kernel's first fill loses more updates than padded's.
#
# Measured on this project's 2-CPU machine, never quiet (bench/layout_drift.py's first fill, 30 to
# 40 interleaved pairs per batch, docs/layout.md): at 1-minute load averages of 4.6 to 7, kernel lost
# more than padded in 85% of the pairs in most batches, but the two workers fall into timing regimes
# that last a batch (the same layout's median moved from 34 to 487 between batches), and in some
# batches padded lost more (kernel ahead in only 5 of 30). Other work on the workers' CPUs decides
# the regime, so the test runs only on a machine with no more runnable work than CPUs (the load
# average at most the usable CPUs) and skips, saying so, otherwise. It runs FILL_PAIRS interleaved
# pairs (padded, then kernel) and counts the pairs in which kernel lost strictly more; if kernel
# loses more with a per-pair chance of at least MIN_KERNEL_WINS (an assumption for a quiet machine,
# below the 85% of the busy one's better batches), fewer than WINS_NEEDED such pairs has the
# binomial chance checked below, under one in a million. Were the layouts alike (a chance of at most
# one half), WINS_NEEDED would be reached in 16% of runs at most; were padded the lossier, almost never.
FILL_PAIRS = 120
MIN_KERNEL_WINS = 0.75
WINS_NEEDED = 66


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_the_layout_test_fails_by_chance_less_than_once_in_a_million() -> None:
    assert _binomial_cdf(WINS_NEEDED - 1, FILL_PAIRS, MIN_KERNEL_WINS) < 1e-6


def _first_fill(layout: str) -> int:
    res = sgx.reclaim_scenario(
        "plain_node_lock",
        threads=2,
        nodes=2,
        pages_per_node=4096,
        enclave_pages=8188,
        passes=1,
        low=1,
        high=1,
        layout=layout,
    )
    assert res.completed and res.pages_conserved, res
    assert res.drift >= 0, res  # only decrements ran: each lost one leaves the count one high
    return res.drift


@pytest.mark.needs_two_cpus
def test_the_kernel_layout_loses_more_updates_in_a_first_fill_than_padded() -> None:
    if "san.so" in os.environ.get("LD_PRELOAD", ""):
        # Seen under AddressSanitizer: kernel ahead in only 50 of 120 pairs. Instrumenting every
        # access changes which lines the workers meet on; the rate is the uninstrumented code's.
        pytest.skip("a sanitizer's instrumentation decides the workers' timing here")
    load = os.getloadavg()[0]
    if load > usable_cpus():
        pytest.skip(
            f"load average {load:.1f} on {usable_cpus()} CPUs: other work decides the workers' timing regime"
        )
    wins = 0
    for _ in range(FILL_PAIRS):
        padded = _first_fill("padded")
        kernel = _first_fill("kernel")
        wins += kernel > padded
    assert wins >= WINS_NEEDED, f"kernel lost more in only {wins} of {FILL_PAIRS} pairs"
