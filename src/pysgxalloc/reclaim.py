"""The reclaim scenario: the user-space hang that the drifting counter caused, end to end, in C++.

Fault workers touch an enclave bigger than the EPC; a touch of an evicted page
faults and allocates without reclaiming (the fault path's ``reclaim=false``).
When every free list is empty the fault wakes the reclaimer (ksgxd) only if
``should_reclaim(low)``, and tries again. The reclaimer sleeps, without a
timeout, until ``should_reclaim(high)``, then evicts pages from the head of the
active list in batches of ``scan`` until the count reaches ``high``. If the
count reads ``low`` or more (or below zero, read unsigned) while every list is
empty, no fault ever wakes the reclaimer and the faults spin forever: a
watchdog then declares the run hung and stops every thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core, _test_hooks, pool_shape
from pysgxalloc._checks import as_bool, as_float, as_int, as_member, as_optional_int
from pysgxalloc._core import Comparison, NodeSearch, ReclaimOutcome, Strategy, WatermarkRead
from pysgxalloc.machine import usable_cpus
from pysgxalloc.pool_shape import NODES_FROM_PAGES, NodesArg, NodeSearchLike, PagesPerNode, checked_shape
from pysgxalloc.strategy import StrategyLike, is_exact, parse_strategy

ComparisonLike = Comparison | str

#: The scenario's defaults, from the C++ core's ReclaimConfig, so both sides agree.
DEFAULTS = _core.ReclaimConfig()

_HUNG = (ReclaimOutcome.stalled, ReclaimOutcome.retry_limit)


def parse_comparison(value: ComparisonLike) -> Comparison:
    """Return the `Comparison` a user named; ValueError names the valid choices."""
    return as_member(Comparison, "comparison", value)


@dataclass(frozen=True, eq=False, repr=False)
class ReclaimResult:
    """One reclaim scenario. Counts are measured in C++; the end state is read with every thread joined,
    so for a hung run it is the state the run hung in."""

    strategy: Strategy
    nodes: int
    pages_per_node: int | tuple[int, ...]  #: as given: one count for all nodes, or one per node (0: CPU-only)
    enclave_pages: int
    threads: int  #: fault workers; the reclaimer is one more thread, asleep most of the time
    passes: int
    low: int
    high: int
    scan: int
    comparison: Comparison
    watermark_read: WatermarkRead  #: the read compared with the watermarks
    initial_drift: int
    counter_batch: int | None  #: percpu_batch's batch as asked (None: the default)
    packed: bool
    stall_seconds: float
    max_retries: int
    pin: bool
    cpus: int  #: CPUs this process could use during the run
    outcome: ReclaimOutcome
    elapsed_seconds: float  #: start line to the end of the run, or to the hang's verdict
    touches: int  #: page touches completed: hits plus faults served
    faults_served: int
    fault_retries: int  #: failed allocations after which a fault tried again
    longest_fault_retries: int  #: the most retries one fault needed
    reclaimer_wakeups: int  #: times the reclaimer slept and was woken with work to do
    pages_reclaimed: int
    counter: int  #: the cheap read that should_reclaim sees
    exact_count: int  #: the strategy's exact read (differs from counter only for percpu_batch)
    true_free: int  #: pages on the free lists
    active_pages: int  #: resident enclave pages, every one on the active list
    #: Whether a fault that found every list empty now would wake the reclaimer:
    #: should_reclaim(low) as the C++ reclaimer evaluates it (comparison and watermark read included).
    fault_wakes_reclaimer: bool
    pages_conserved: bool  #: the C++ conservation check ran after the run and held
    faults_per_worker: npt.NDArray[np.int64]
    node_search: NodeSearch = NodeSearch.fixed_2024  #: how a worker on a CPU-only node searches for EPC
    #: The CPU-only node whose worker locked up in the v5.13 node search; None unless outcome is soft_lockup.
    soft_lockup_node: int | None = None

    @property
    def soft_lockup(self) -> bool:
        """A worker on a CPU-only node found every list empty with the v5.13 search: in the kernel
        it would spin inside the allocator for good (the second bug; the counter's hang is `hung`)."""
        return self.outcome is ReclaimOutcome.soft_lockup

    @property
    def hung(self) -> bool:
        """The watchdog declared the run hung (stalled, or a fault past max_retries)."""
        return self.outcome in _HUNG

    @property
    def completed(self) -> bool:
        return self.outcome is ReclaimOutcome.completed

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def drift(self) -> int:
        """counter - true_free: updates the counter lost (negative: lost frees) or gained."""
        return self.counter - self.true_free

    @property
    def epc_pages(self) -> int:
        return pool_shape.total_epc_pages(self.nodes, self.pages_per_node)

    @property
    def oversubscribed(self) -> bool:
        """More fault workers than usable CPUs: spinning faults then compete for CPUs with each other."""
        return self.threads > self.cpus

    def __repr__(self) -> str:
        if self.hung:
            state = f"HUNG ({self.outcome.name}) after {self.faults_served:,} faults"
        else:
            state = f"{self.outcome.name}, {self.faults_served:,} faults"
        label = " (oversubscribed)" if self.oversubscribed else ""
        return (
            f"ReclaimResult(strategy={self.strategy.name}, {state} in {self.elapsed_seconds:.3f} s: "
            f"counter={self.counter}, true_free={self.true_free}, drift={self.drift:+d}, "
            f"active_pages={self.active_pages}; retries={self.fault_retries:,}, "
            f"reclaimer_wakeups={self.reclaimer_wakeups}, pages_reclaimed={self.pages_reclaimed:,}; "
            f"threads={self.threads} on {self.cpus} CPUs{label}, nodes={self.nodes} x {self.pages_per_node} "
            f"pages, enclave_pages={self.enclave_pages}, passes={self.passes})"
        )


def reclaim_scenario(
    strategy: StrategyLike,
    *,
    nodes: NodesArg = NODES_FROM_PAGES,
    pages_per_node: PagesPerNode = DEFAULTS.pages_per_node,
    enclave_pages: int = DEFAULTS.enclave_pages,
    threads: int = DEFAULTS.threads,
    passes: int = DEFAULTS.passes,
    low: int = DEFAULTS.low,
    high: int = DEFAULTS.high,
    scan: int = DEFAULTS.scan,
    comparison: ComparisonLike = DEFAULTS.comparison,
    initial_drift: int = DEFAULTS.initial_drift,
    stall_seconds: float = DEFAULTS.stall_seconds,
    max_retries: int = DEFAULTS.max_retries,
    pin: bool = DEFAULTS.pin,
    watermark_read: WatermarkRead = WatermarkRead.cheap,
    counter_batch: int | None = None,
    packed: bool = False,
    node_search: NodeSearchLike = NodeSearch.fixed_2024,
) -> ReclaimResult:
    """Run one reclaim scenario on a fresh pool and enclave; return when it completed or hung.

    `threads` fault workers each make `passes` passes over their own contiguous
    share of an enclave of `enclave_pages` pages; worker ``i`` allocates from node
    ``i % nodes`` first. The EPC is `nodes` x `pages_per_node` pages; an enclave
    bigger than that makes the reclaimer work. `low`, `high` and `scan` are the
    kernel's SGX_NR_LOW_PAGES, SGX_NR_HIGH_PAGES and SGX_NR_TO_SCAN;
    `comparison` is how should_reclaim compares (the kernel's unsigned by
    default). `initial_drift` starts the counter that far off, to show the hang
    deterministically. The run is declared hung after `stall_seconds` with no
    touch completed anywhere, or when one fault is retried more than
    `max_retries` times; every thread is then stopped and joined. `pin` puts
    fault worker ``i`` on the ``i``-th usable CPU (wrapping round), so two
    workers really run at once on a shared machine; the reclaimer floats.
    Ctrl-C stops the run within a fraction of a second and raises KeyboardInterrupt.

    `watermark_read` picks the read both watermark checks compare: the cheap read (the
    kernel's) or, near a watermark, the exact one (``__percpu_counter_compare``'s rule,
    which matters for percpu_batch). `counter_batch` and `packed` are as for EpcPool.

    `pages_per_node` may list one count per node, 0 for a node with CPUs but no EPC
    (`nodes` then defaults to its length; otherwise to 2); a worker whose node is
    CPU-only searches the nodes with EPC as `node_search` says. With
    ``NodeSearch.v5_13_until_caller``, such a worker that finds every list empty
    never returns from the allocator in the kernel, so never wakes the reclaimer:
    the run ends with outcome ``soft_lockup`` (``soft_lockup_node`` says where),
    every thread joined and every page accounted for. With ``NodeSearch.fixed_2024``
    (the default) it gets -EBUSY and waits for the reclaimer like everyone else.
    """
    parsed = parse_strategy(strategy)
    config = _core.ReclaimConfig()
    shape = checked_shape(nodes, pages_per_node, node_search)
    for name, value in shape.native_fields().items():
        setattr(config, name, value)
    config.enclave_pages = as_int("enclave_pages", enclave_pages)
    config.threads = as_int("threads", threads)
    config.passes = as_int("passes", passes)
    config.low = as_int("low", low)
    config.high = as_int("high", high)
    config.scan = as_int("scan", scan)
    config.comparison = parse_comparison(comparison)
    if not isinstance(watermark_read, WatermarkRead):
        raise TypeError(f"watermark_read must be a WatermarkRead, got {type(watermark_read).__name__}")
    config.watermark_read = watermark_read
    config.counter_batch = as_optional_int("counter_batch", counter_batch)
    config.packed = as_bool("packed", packed)
    config.initial_drift = as_int("initial_drift", initial_drift)
    config.stall_seconds = as_float("stall_seconds", stall_seconds)
    config.max_retries = as_int("max_retries", max_retries)
    config.pin = as_bool("pin", pin)
    config.leak_pages = _test_hooks.leak_pages
    cpus = usable_cpus()
    stats = _core.reclaim(parsed, config)
    return ReclaimResult(
        strategy=parsed,
        nodes=config.nodes,
        pages_per_node=shape.pages_per_node,
        enclave_pages=config.enclave_pages,
        threads=config.threads,
        passes=config.passes,
        low=config.low,
        high=config.high,
        scan=config.scan,
        comparison=config.comparison,
        watermark_read=config.watermark_read,
        initial_drift=config.initial_drift,
        counter_batch=config.counter_batch,
        packed=config.packed,
        stall_seconds=config.stall_seconds,
        max_retries=config.max_retries,
        pin=config.pin,
        cpus=cpus,
        outcome=stats.outcome,
        elapsed_seconds=stats.elapsed_seconds,
        touches=stats.touches,
        faults_served=stats.faults_served,
        fault_retries=stats.fault_retries,
        longest_fault_retries=stats.longest_fault_retries,
        reclaimer_wakeups=stats.reclaimer_wakeups,
        pages_reclaimed=stats.pages_reclaimed,
        counter=stats.counter,
        exact_count=stats.exact_count,
        true_free=stats.true_free,
        active_pages=stats.active_pages,
        fault_wakes_reclaimer=stats.fault_wakes_reclaimer,
        pages_conserved=stats.pages_conserved,
        faults_per_worker=stats.faults_per_worker,
        node_search=config.node_search,
        soft_lockup_node=stats.soft_lockup_node if stats.soft_lockup_node >= 0 else None,
    )
