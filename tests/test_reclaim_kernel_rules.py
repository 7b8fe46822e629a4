"""The reclaim path's rules as the kernel (v5.15) states them, one test each, each from the rule.

sgx_alloc_epc_page(), sgx_reclaim_pages(), ksgxd() and sgx_vma_fault() of
arch/x86/kernel/cpu/sgx/ give each rule below; every test sets up a sequence whose outcome
the rule decides, whatever the schedule, unless its docstring gives a run count and a
measured rate.
"""

from __future__ import annotations

from typing import Any

import pytest

import pysgxalloc as sgx
from pysgxalloc._test_hooks import meeting_write_back
from pysgxalloc.reclaim_settings import DEFAULTS

EXACT = [s.name for s in sgx.STRATEGIES if sgx.is_exact(s)]
LOW = DEFAULTS.low
#: No touch for this long is a stall: long enough for a busy machine to run ksgxd.
STALL_S = 60.0
SMALL_EPC: dict[str, Any] = {"threads": 1, "nodes": 1, "pages_per_node": 256, "passes": 1}


def test_a_successful_allocation_that_leaves_the_count_below_low_wakes_ksgxd() -> None:
    # 256 pages, 236 faulted in once: the lists never run dry (20 stay free), yet the
    # allocations that leave fewer than 32 free each end in wake_up(&ksgxd_waitq)
    res = sgx.reclaim_scenario("atomic", enclave_pages=256 - 20, **SMALL_EPC)
    assert res.completed, res
    assert res.fault_retries == 0  # no allocation ever failed
    assert res.wake_calls >= 1


def test_allocations_that_leave_low_or_more_free_wake_no_one() -> None:
    res = sgx.reclaim_scenario("atomic", enclave_pages=256 - LOW, **SMALL_EPC)
    assert res.completed, res
    assert res.wake_calls == 0 and res.reclaimer_wakeups == 0 and res.pages_reclaimed == 0


def test_nothing_free_and_nothing_to_reclaim_is_out_of_memory_not_a_hang() -> None:
    # every EPC page is unreclaimable (the kernel's SECS and VA pages): the first fault finds
    # the free lists and the active list empty, and sgx_alloc_epc_page() returns -ENOMEM
    epc = DEFAULTS.epc_pages
    res = sgx.reclaim_scenario("atomic", unreclaimable_pages=epc, stall_seconds=3600)
    assert res.outcome is sgx.ReclaimOutcome.out_of_memory and res.out_of_memory, res
    assert res.faults_served == 0 and res.wake_calls == 0  # -ENOMEM comes before any wake-up
    assert res.pages_conserved


@pytest.mark.parametrize("strategy", EXACT)
def test_a_direct_reclaim_caller_completes_where_a_fault_caller_hangs_on_the_same_drift(
    strategy: str,
) -> None:
    fault = sgx.reclaim_scenario(strategy, initial_drift=100, stall_seconds=3600)
    assert fault.hung, fault
    direct = sgx.reclaim_scenario(strategy, initial_drift=100, direct_reclaim=True, stall_seconds=3600)
    assert direct.completed, direct
    assert direct.pages_reclaimed_directly > 0  # it reclaimed for itself, needing no wake-up
    assert direct.pages_conserved


def test_one_enclave_lock_serialises_its_faults_so_plain_node_lock_cannot_drift() -> None:
    # two workers, one shared enclave, an enclave one page smaller than the EPC and low = 1:
    # no allocation fails and none wakes ksgxd, so the only counter updates are the faults'
    # decrements, each under the one enclave lock: none can be lost (20 runs)
    for run in range(20):
        res = sgx.reclaim_scenario(
            "plain_node_lock", shared_enclave=True, enclave_pages=8191, low=1, high=1, passes=1
        )
        assert res.completed and res.wake_calls == 0, f"run {run}: {res}"
        assert res.drift == 0, f"run {run}: {res}"


def test_a_page_faulted_once_is_skipped_young_once_and_evicted_on_the_next_scan() -> None:
    # one pass: every page is touched only by its own fault, which leaves it young. The
    # reclaimer's first scan of a page clears the bit and puts it back (second chance);
    # only its second scan evicts it. So every evicted page was skipped once before, and no
    # page is skipped twice.
    res = sgx.reclaim_scenario("atomic", threads=1, passes=1)
    assert res.completed, res
    assert res.pages_reclaimed > 0
    assert res.pages_reclaimed <= res.young_skipped <= res.faults_served


def test_a_page_its_fault_leaves_old_is_evicted_by_the_first_scan() -> None:
    # sgx_vma_fault() clears the accessed bit of the page it has just mapped; with no
    # access after it (fault_leaves_young=False, the kernel's functions without an MMU),
    # one pass touches each page only through its fault, so no scan finds a page young
    res = sgx.reclaim_scenario("atomic", threads=1, passes=1, fault_leaves_young=False)
    assert res.completed, res
    assert res.pages_reclaimed > 0
    assert res.young_skipped == 0


def test_ksgxd_outlives_the_workload_so_no_run_ends_below_low() -> None:
    # a 90-page enclave in 100 pages: the 69th fault leaves 31 free and wakes ksgxd, which (as
    # the kernel's kthread) reclaims until the count reaches high, whenever the faults end; a
    # later allocation that leaves fewer than low wakes it again. So once it sleeps for good
    # the count is at least low, whatever the schedule (before ksgxd outlived the workload,
    # runs here ended with 10 free)
    for run in range(5):
        res = sgx.reclaim_scenario(
            "atomic", threads=1, nodes=1, pages_per_node=100, enclave_pages=90, passes=1
        )
        assert res.completed and res.reclaimer_wakeups >= 1, f"run {run}: {res}"
        assert res.counter >= LOW, f"run {run}: {res}"


def test_a_fault_on_a_page_being_written_back_gets_ebusy_and_is_retried() -> None:
    # Unforced, the fault must land in the microseconds between ksgxd marking its batch and
    # writing it back (6 runs in 10 on a quiet machine, none in 300 with a hog per core), so the
    # meeting holds ksgxd's first marked batch until a fault has met it, and the workers start
    # their second pass, whose first touches are the batch's oldest pages, only once it is marked
    # (write_back_meeting.hpp). 90 pages in 100: the 69th fault wakes ksgxd; pages stay old. The
    # worker retries until ksgxd runs again, tens of thousands of times here: no retry limit.
    with meeting_write_back():
        res = sgx.reclaim_scenario(
            "atomic", nodes=1, pages_per_node=100, enclave_pages=90, passes=3,
            fault_leaves_young=False, stall_seconds=STALL_S, max_retries=1 << 40,
        )  # fmt: skip
    assert res.completed and res.pages_conserved, res
    assert res.busy_being_reclaimed >= 1, res
    assert res.fault_retries >= res.busy_being_reclaimed  # each -EBUSY was retried


def test_ksgxd_sleeps_until_woken_whatever_its_own_test_would_answer() -> None:
    # 40 pages counted when the lists run dry: below high (ksgxd's own test would reclaim)
    # but not below low (no allocation wakes it). wait_event() tests only when woken: hung.
    res = sgx.reclaim_scenario("atomic", initial_drift=40, stall_seconds=3600)
    assert res.hung, res
    assert res.reclaimer_wakeups == 0 and res.wake_calls == 0


@pytest.mark.parametrize("strategy", sgx.STRATEGIES)
def test_the_boot_count_is_the_pages_freed_into_the_lists(strategy: sgx.Strategy) -> None:
    # __sgx_sanitize_pages() frees every page once; the count, built by those frees, starts exact
    pool = sgx.EpcPool(strategy, nodes=3, pages_per_node=77)
    assert pool.exact_count == pool.true_free == 3 * 77
    assert pool.drift == 0


def test_the_boot_count_carries_an_injected_drift_on_top_of_the_frees() -> None:
    pool = sgx.EpcPool("plain_node_lock", nodes=2, pages_per_node=50, initial_drift=-3)
    assert pool.counter == 97 and pool.true_free == 100


def test_should_reclaim_needs_pages_on_the_active_list() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=40)
    for _ in range(20):
        pool.alloc(0)
    assert pool.count_below(32)
    assert pool.should_reclaim(32, active_pages=1)
    assert not pool.should_reclaim(32, active_pages=0)  # nothing reclaimable: list_empty()


def test_should_reclaim_compares_unsigned_by_default() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=40, initial_drift=-41)  # counter -1
    assert not pool.should_reclaim(32, active_pages=10)  # (unsigned long)-1 is huge
    assert pool.should_reclaim(32, sgx.Comparison.signed_count, active_pages=10)


def test_should_reclaim_refuses_a_negative_active_list() -> None:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=40)
    with pytest.raises(ValueError, match="active_pages must be >= 0, got -1"):
        pool.should_reclaim(32, active_pages=-1)


def test_percpu_compare_takes_the_exact_sum_within_batch_times_cpus_online() -> None:
    # __percpu_counter_compare(): exact when |cheap - watermark| <= batch x num_online_cpus();
    # the model's CPUs online are the slots in use
    pool = sgx.EpcPool("percpu_batch", nodes=1, pages_per_node=100, counter_batch=32)
    for slot in (0, 1, 2):
        pool.alloc(0, slot=slot)
    assert pool.compare_margin(sgx.WatermarkRead.exact_near_watermark) == 32 * 3
    # the tighter option: the cheap read's own error bound, (batch - 1) x slots in use
    assert pool.compare_margin(sgx.WatermarkRead.exact_within_error_bound) == 31 * 3 == pool.read_error_bound


def test_the_seed_preset_runs_one_thread_over_one_enclave_an_eighth_larger_than_the_epc() -> None:
    res = sgx.reclaim_scenario("atomic", nodes=2, pages_per_node=1024, preset="seed")
    assert res.completed, res
    assert res.threads == 1 and res.shared_enclave and res.passes == 3 and res.remove_last_pass
    assert res.enclave_pages == 2048 + 2048 // 8
    # the third pass removed every page, so everything is free again, and ksgxd had to run
    assert res.pages_removed == res.enclave_pages
    assert res.true_free == res.epc_pages and res.active_pages == 0
    assert res.pages_reclaimed > 0 and res.pages_conserved


def test_the_seed_preset_refuses_a_shape_it_sets_itself() -> None:
    with pytest.raises(ValueError, match="preset='seed' sets threads itself"):
        sgx.reclaim_scenario("atomic", threads=4, preset="seed")
    with pytest.raises(ValueError, match="preset must be one of seed or None, got 'big'"):
        sgx.reclaim_scenario("atomic", preset="big")
