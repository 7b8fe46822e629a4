"""The second bug end to end: a fault worker on a CPU-only node, the v5.13 node search and every
list empty. The reclaim scenario ends as soft_lockup (the worker never returns from the allocator,
so never wakes the reclaimer) and the hammer raises SoftLockupError; with the 2024 fix both finish.
Exact strategies only, so the counter cannot be the cause."""

from __future__ import annotations

from typing import Any

import pytest

import pysgxalloc as sgx

EXACT = ["atomic", "per_node", "plain_global_lock"]
# Node 0 has CPUs but no EPC, so the only fault worker (worker 0, node 0 % 3) runs there.
ALONE_ON_CPU_ONLY_NODE: dict[str, Any] = {
    "pages_per_node": [0, 128, 128],
    "threads": 1,
    "enclave_pages": 1024,
}
# The lockup is declared by the worker itself; a long stall limit keeps the watchdog out of it.
PATIENT: dict[str, Any] = {"stall_seconds": 60.0}


@pytest.mark.parametrize("strategy", EXACT)
def test_the_only_fault_worker_on_a_cpu_only_node_locks_up_with_the_v5_13_search(strategy: str) -> None:
    result = sgx.reclaim_scenario(
        strategy, node_search="v5_13_until_caller", **ALONE_ON_CPU_ONLY_NODE, **PATIENT
    )
    assert result.outcome is sgx.ReclaimOutcome.soft_lockup
    assert result.soft_lockup and not result.hung
    assert result.soft_lockup_node == 0
    assert result.pages_conserved
    # The lone worker drained the whole EPC before it locked up. (The lists are not still
    # empty at the end: ksgxd, woken by the allocations below `low`, waits for the enclave
    # lock the spinning fault holds, the kernel's deadlock, and frees its batch only once
    # the run is wound down.)
    assert result.faults_served >= result.epc_pages
    assert result.drift == 0  # the counter told the truth: the search is the cause


@pytest.mark.parametrize("strategy", EXACT)
def test_the_same_worker_completes_with_the_2024_search(strategy: str) -> None:
    result = sgx.reclaim_scenario(strategy, node_search="fixed_2024", **ALONE_ON_CPU_ONLY_NODE, **PATIENT)
    assert result.outcome is sgx.ReclaimOutcome.completed
    assert result.soft_lockup_node is None
    assert result.pages_conserved
    assert result.pages_reclaimed > 0  # it waited for the reclaimer like everyone else
    assert result.true_free + result.active_pages == result.epc_pages


def test_a_reclaim_result_says_which_search_ran() -> None:
    result = sgx.reclaim_scenario("atomic", **ALONE_ON_CPU_ONLY_NODE, **PATIENT)
    assert result.node_search is sgx.NodeSearch.fixed_2024
    assert result.pages_per_node == (0, 128, 128)
    assert result.epc_pages == 256


# Workers 0 and 1 hold both pages through the run; worker 2 runs on the CPU-only node and
# finds every list empty. The holders wait for it at the round's barrier, so no page comes back.
ALL_PAGES_HELD: dict[str, Any] = {"threads": 3, "pages_per_node": [1, 1, 0], "hold": 1, "ops": 1000}


@pytest.mark.parametrize("engine", sgx.ENGINES)
def test_the_hammer_raises_soft_lockup_when_a_cpu_only_worker_finds_every_list_empty(
    engine: sgx.Engine,
) -> None:
    with pytest.raises(sgx.SoftLockupError, match="node 2"):
        sgx.hammer("atomic", engine=engine, node_search="v5_13_until_caller", **ALL_PAGES_HELD)


@pytest.mark.parametrize("engine", sgx.ENGINES)
def test_the_hammer_with_the_2024_search_counts_failures_and_gets_every_page_back(engine: sgx.Engine) -> None:
    result = sgx.hammer("atomic", engine=engine, **ALL_PAGES_HELD)
    assert result.nodes == 3
    assert result.alloc_failures > 0
    assert result.true_free == result.counter == 2
