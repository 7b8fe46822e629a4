"""percpu_batch against the watermarks: its bounded error is enough to hang the reclaimer,
and __percpu_counter_compare's rule (the exact sum near the watermark) removes the hang.

With the default batch (max(32, 2 x CPUs)) and 2 fault workers plus the reclaimer, the
cheap read may sit up to 31 x 3 = 93 pages above the truth: at the moment every list runs
dry it often reads 32 or more, so no fault wakes the reclaimer. Measured on this 2-CPU
machine, 20 runs each (scenario defaults, stall_seconds=0.3): the cheap read hung 17/20
at 2 workers and 15/20 at 4 (oversubscribed); with `exact_near_watermark` 0/20 and 0/20;
with counter_batch=8 0/20 either way. With a CI run competing for both CPUs the cheap
read hung less often: 8/20 and 6/20. With the kernel's wake-up after every allocation the
cheap read hung 20/20 and 16/20 (2 and 4 workers). The test asks for one hang in HANG_RUNS assuming a
rate of only MIN_RATE, below even those, so it fails by bad luck with chance below one in
a million. It stops at the first hang, so the extra runs cost nothing on a quiet machine.

The fix needs no statistics to trust: once every list is empty no worker updates the
count, so the exact sum the rule takes near the watermark is the truth, and a fault
that finds the lists empty always wakes the reclaimer.
"""

from __future__ import annotations

import pytest

import pysgxalloc as sgx

HANG_RUNS = 70
MIN_RATE = 0.20
FIXED_RUNS = 10
NEAR = sgx.WatermarkRead.exact_near_watermark


def test_the_percpu_hang_test_fails_by_chance_less_than_once_in_a_million() -> None:
    assert (1 - MIN_RATE) ** HANG_RUNS < 1e-6


@pytest.mark.needs_two_cpus
def test_percpu_batch_cheap_read_can_keep_the_reclaimer_asleep() -> None:
    for _ in range(HANG_RUNS):
        res = sgx.reclaim_scenario("percpu_batch", counter_batch=32, stall_seconds=0.3)
        assert res.pages_conserved
        if res.hung:
            assert res.true_free == 0 and res.exact_count == 0  # the truth: nothing free
            assert res.counter >= res.low  # the cheap read said otherwise, within its bound
            assert not res.fault_wakes_reclaimer
            return
    pytest.fail(f"percpu_batch never hung in {HANG_RUNS} runs")


@pytest.mark.needs_two_cpus
def test_comparing_the_exact_sum_near_the_watermark_removes_the_hang() -> None:
    for run in range(FIXED_RUNS):
        res = sgx.reclaim_scenario("percpu_batch", counter_batch=32, watermark_read=NEAR, stall_seconds=0.3)
        assert res.completed, f"run {run}: {res}"
        assert res.pages_conserved


def test_watermark_read_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="watermark_read must be a WatermarkRead, got str"):
        sgx.reclaim_scenario("percpu_batch", watermark_read="exact")  # type: ignore[arg-type]
