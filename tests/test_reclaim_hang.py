"""The hang's mechanism, shown deterministically with an injected drift.

With an exact strategy the counter stays exactly `initial_drift` away from the truth, so
when every free list is empty it reads `initial_drift`: from `low` up, no allocation wakes
the reclaimer and the run hangs; below `low` it wakes and the run completes. Below zero the
kernel's unsigned comparison reads it as huge: the same hang. No race is needed for any
of this, so none of these tests depends on timing. A hang is the proven absorbing state
(ReclaimOutcome.hung), never a guess from a quiet spell.
"""

from __future__ import annotations

import pytest

import pysgxalloc as sgx
from pysgxalloc.reclaim_settings import DEFAULTS

EXACT = [s.name for s in sgx.STRATEGIES if sgx.is_exact(s)]
EPC_PAGES = DEFAULTS.nodes * DEFAULTS.pages_per_node
QUICK_STALL = 0.1  # these hangs are certain; the watchdog need not wait long to call them


@pytest.mark.parametrize("strategy", EXACT)
def test_an_injected_drift_of_plus_100_hangs_every_exact_strategy(strategy: str) -> None:
    res = sgx.reclaim_scenario(strategy, initial_drift=100, stall_seconds=QUICK_STALL)
    assert res.hung and res.outcome is sgx.ReclaimOutcome.hung, res
    # it hung on the first fill: every EPC page handed out, every list empty, the reclaimer never
    # woken (the count never went below low, so no allocation woke it)
    assert res.faults_served == EPC_PAGES
    assert res.true_free == 0 and res.counter == 100 and res.drift == 100
    assert res.reclaimer_wakeups == 0 and res.pages_reclaimed == 0
    assert not res.fault_wakes_reclaimer
    assert res.pages_conserved


@pytest.mark.parametrize("strategy", EXACT)
def test_with_no_drift_every_exact_strategy_completes(strategy: str) -> None:
    res = sgx.reclaim_scenario(strategy)
    assert res.completed, res
    assert res.touches == DEFAULTS.enclave_pages * DEFAULTS.passes
    assert res.drift == 0
    assert res.reclaimer_wakeups > 0 and res.pages_reclaimed > 0
    assert res.pages_conserved and res.true_free + res.active_pages == EPC_PAGES


def test_a_drift_just_below_the_low_watermark_still_wakes_the_reclaimer() -> None:
    res = sgx.reclaim_scenario("atomic", initial_drift=DEFAULTS.low - 1, stall_seconds=QUICK_STALL)
    assert res.completed, res
    assert res.drift == DEFAULTS.low - 1


def test_a_drift_of_exactly_the_low_watermark_hangs() -> None:
    res = sgx.reclaim_scenario("atomic", initial_drift=DEFAULTS.low, stall_seconds=QUICK_STALL)
    assert res.hung, res
    assert res.counter == DEFAULTS.low and res.true_free == 0


def test_the_reclaimer_sleeps_without_a_timeout_so_a_count_between_the_watermarks_hangs() -> None:
    # 40 is >= low, so no fault wakes the reclaimer, but < high: a reclaimer that also woke
    # on a timer would see should_reclaim(high) and crawl on. This one stays asleep.
    res = sgx.reclaim_scenario("atomic", initial_drift=40, stall_seconds=QUICK_STALL)
    assert res.hung, res
    assert res.counter == 40 and res.true_free == 0
    assert res.reclaimer_wakeups == 0 and res.pages_reclaimed == 0


def test_one_lost_free_hangs_because_the_unsigned_count_wraps_below_zero() -> None:
    res = sgx.reclaim_scenario("per_node", initial_drift=-1, stall_seconds=QUICK_STALL)
    assert res.hung, res
    assert res.counter == -1 and res.true_free == 0
    assert not res.fault_wakes_reclaimer


def test_the_same_lost_free_is_harmless_when_the_count_is_compared_signed() -> None:
    res = sgx.reclaim_scenario("per_node", initial_drift=-1, comparison="signed_count")
    assert res.completed, res
    assert res.drift == -1


def test_a_hang_is_proven_without_waiting_for_the_stall_time() -> None:
    # an hour of stall time: only the proof of the absorbing state can end this run
    res = sgx.reclaim_scenario("atomic", initial_drift=100, stall_seconds=3600)
    assert res.outcome is sgx.ReclaimOutcome.hung


def test_a_fault_retried_past_max_retries_without_a_hang_is_a_stall() -> None:
    # atomic never hangs; with 64 pages of EPC and an enclave 128 times larger its faults
    # wait on ksgxd thousands of times a run (a fault retried twice: 100 of 100 runs here),
    # so one retry too many ends the run, and the proof says it was not stuck: stalled
    res = sgx.reclaim_scenario(
        "atomic", threads=1, nodes=1, pages_per_node=64, enclave_pages=8192, passes=10,
        stall_seconds=3600, max_retries=1,
    )  # fmt: skip
    assert res.outcome is sgx.ReclaimOutcome.stalled and not res.hung, res
    assert res.longest_fault_retries > 1
    assert res.pages_conserved


def test_every_page_faulted_in_is_evicted_or_still_resident() -> None:
    # one worker, an enclave of 3 x the EPC: the lists run dry again and again, and ksgxd,
    # woken by the allocations that leave the count below low, evicts behind the worker
    res = sgx.reclaim_scenario("atomic", threads=1, nodes=1, pages_per_node=256, enclave_pages=768, passes=1)
    assert res.completed, res
    assert res.faults_served == 768
    assert res.pages_reclaimed == res.faults_served - res.active_pages
    assert res.reclaimer_wakeups >= 1
