"""The reclaim scenario: the user-space hang that the drifting counter caused, end to end, in C++.

Fault workers touch enclaves bigger than the EPC; a touch of an evicted page
faults, under its enclave's lock, and allocates without reclaiming (the fault
path's ``reclaim=false``). Every allocation, served or not, ends with the
kernel's wake-up test: it wakes the reclaimer (ksgxd) if ``should_reclaim(low)``,
the count below ``low`` and the active list not empty. The reclaimer sleeps,
without a timeout, until ``should_reclaim(high)``; each time it scans ``scan``
pages from the head of the active list, gives accessed pages a second chance and
writes the rest back. If the count reads ``low`` or more (or below zero, read
unsigned) while every free list is empty, no allocation ever wakes the reclaimer
and the faults retry forever: the watchdog proves that state (``hung``) and stops
every thread. A run that stops making progress without being in it is
``stalled`` (starved of CPU); an allocation that finds nothing free and nothing
to reclaim ends the run ``out_of_memory``.

``preset="seed"`` runs the shape of the seed report's experiment: one faulting
thread, one enclave an eighth larger than the EPC, three passes, the last of
which removes every page (freeing it while ksgxd frees too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core, _test_hooks, pool_shape
from pysgxalloc._checks import as_bool, as_float, as_int, as_member, as_optional_int
from pysgxalloc._core import Comparison, NodeSearch, PlainUpdate, ReclaimOutcome, Strategy, WatermarkRead
from pysgxalloc.drift_walk import DriftWalk
from pysgxalloc.machine import usable_cpus
from pysgxalloc.pool import PlainUpdateLike, parse_plain_update
from pysgxalloc.pool_shape import (
    NODES_FROM_PAGES,
    NodesArg,
    NodeSearchLike,
    PagesPerNode,
    checked_shape,
    total_epc_pages,
)
from pysgxalloc.strategy import StrategyLike, is_exact, parse_strategy
from pysgxalloc.update_log import UpdateLog

ComparisonLike = Comparison | str

#: The scenario's defaults, from the C++ core's ReclaimConfig, so both sides agree.
DEFAULTS = _core.ReclaimConfig()

#: The presets `reclaim_scenario` knows.
PRESETS = ("seed",)
#: The seed's enclave: this fraction larger than the EPC, so that reclaim must run.
SEED_ENCLAVE_EXCESS = 1 / 8
#: The seed's machine: 2 nodes of 16,777,216 EPC pages (64 GiB each).
SEED_FULL_PAGES_PER_NODE = 1 << 24


def seed_enclave_pages(epc_pages: int) -> int:
    """The seed's enclave on an EPC of `epc_pages`: SEED_ENCLAVE_EXCESS larger, at least one page more."""
    return epc_pages + max(1, int(epc_pages * SEED_ENCLAVE_EXCESS))


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
    plain_update: PlainUpdate  #: plain strategies: one read-modify-write instruction, or a load then a store
    remote_fetch_ns: int  #: plain strategies, load_store: the remote cache-line fetch inside the update
    shared_enclave: bool  #: one enclave (one lock) for every worker, else one per worker
    direct_reclaim: (
        bool  #: allocations made with reclaim=true (EADD, EAUG): they reclaim when the lists are empty
    )
    remove_last_pass: bool  #: the last pass removes each page, freeing it
    fault_leaves_young: bool  #: a served fault leaves its page accessed (the retried touch), else old
    unreclaimable_pages: int  #: EPC pages held all run and never reclaimable (the kernel's SECS and VA pages)
    preset: str | None
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
    pages_reclaimed: int  #: by ksgxd and by direct reclaim
    pages_reclaimed_directly: int
    pages_removed: int
    wake_calls: int  #: allocations that woke ksgxd (the wake-up test after every allocation, served or not)
    young_skipped: int  #: pages the reclaimer put back because they were accessed since its last scan
    busy_being_reclaimed: int  #: fault attempts that found their page being written back (-EBUSY)
    reclaim_seconds: float  #: ksgxd awake and reclaiming
    fault_wait_seconds: float  #: faults waiting for a page (first failure to served), summed over workers
    counter: int  #: the cheap read that should_reclaim sees
    exact_count: int  #: the strategy's exact read (differs from counter only for percpu_batch)
    true_free: int  #: pages on the free lists
    active_pages: int  #: resident enclave pages, every one on the active list
    #: Whether a fault that found every list empty now would wake the reclaimer:
    #: should_reclaim(low) as the C++ reclaimer evaluates it (comparison, watermark read and active list).
    fault_wakes_reclaimer: bool
    pages_conserved: bool  #: the C++ conservation check ran after the run and held
    faults_per_worker: npt.NDArray[np.int64]
    node_search: NodeSearch = NodeSearch.fixed_2024  #: how a worker on a CPU-only node searches for EPC
    #: The CPU-only node whose worker locked up in the v5.13 node search; None unless outcome is soft_lockup.
    soft_lockup_node: int | None = None
    walk_interval_seconds: float = 0.0  #: how often the drift walk was sampled; 0: not at all
    update_log_limit: int = 0  #: stamps kept per thread; 0: updates were not stamped
    #: The count and the free pages sampled every walk_interval_seconds; None unless asked for.
    drift_walk: DriftWalk | None = None
    #: When each thread updated the one shared count; None unless update_log_limit was given.
    update_log: UpdateLog | None = None

    @property
    def soft_lockup(self) -> bool:
        """A worker on a CPU-only node found every list empty with the v5.13 search: in the kernel
        it would spin inside the allocator for good (the second bug; the counter's hang is `hung`)."""
        return self.outcome is ReclaimOutcome.soft_lockup

    @property
    def hung(self) -> bool:
        """Proven hung: the absorbing state no thread can leave (not merely slow: see `stalled`)."""
        return self.outcome is ReclaimOutcome.hung

    @property
    def stalled(self) -> bool:
        """No progress for stall_seconds (or a fault past max_retries) without a proven hang: starved."""
        return self.outcome is ReclaimOutcome.stalled

    @property
    def out_of_memory(self) -> bool:
        """An allocation found nothing free and nothing to reclaim: the kernel's -ENOMEM (SIGBUS)."""
        return self.outcome is ReclaimOutcome.out_of_memory

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
            state = f"HUNG after {self.faults_served:,} faults"
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
    plain_update: PlainUpdateLike = DEFAULTS.plain_update,
    remote_fetch_ns: int = DEFAULTS.remote_fetch_ns,
    shared_enclave: bool = DEFAULTS.shared_enclave,
    direct_reclaim: bool = DEFAULTS.direct_reclaim,
    remove_last_pass: bool = DEFAULTS.remove_last_pass,
    fault_leaves_young: bool = DEFAULTS.fault_leaves_young,
    unreclaimable_pages: int = DEFAULTS.unreclaimable_pages,
    walk_interval_seconds: float = DEFAULTS.walk_interval_seconds,
    update_log_limit: int = DEFAULTS.update_log_limit,
    preset: str | None = None,
) -> ReclaimResult:
    """Run one reclaim scenario on a fresh pool and enclaves; return when it completed, hung,
    stalled or ran out of memory.

    `threads` fault workers each make `passes` passes over their own contiguous
    share of `enclave_pages` enclave pages: each share is an enclave of its own, with
    its own lock, unless `shared_enclave` (one enclave, one lock, whose faults are then
    serialised). Worker ``i`` allocates from node ``i % nodes`` first. The EPC is
    `nodes` x `pages_per_node` pages; enclave pages beyond that make the reclaimer
    work. `low`, `high` and `scan` are the kernel's SGX_NR_LOW_PAGES,
    SGX_NR_HIGH_PAGES and SGX_NR_TO_SCAN; `comparison` is how the watermark test
    compares (the kernel's unsigned by default). `initial_drift` starts the counter
    that far off, to show the hang deterministically. `direct_reclaim` makes every
    allocation one with reclaim=true (as EADD and EAUG do): it reclaims pages itself
    when the lists are empty, so it never waits on ksgxd. `remove_last_pass` makes the
    last pass remove each page, freeing its EPC page. `fault_leaves_young`: a served
    fault leaves its page accessed, because the touch that faulted is retried and the MMU
    sets the accessed bit that ``sgx_vma_fault()`` has just cleared; False leaves it old, as
    ``sgx_vma_fault()`` itself does (what the kernel's functions do with no MMU under
    them), so the reclaimer's first scan evicts it. `unreclaimable_pages` EPC pages
    are allocated before the run and never reclaimable, as the kernel's SECS and
    version-array pages: an allocation that then finds nothing free and nothing on the
    active list gets -ENOMEM and ends the run `out_of_memory`.

    The run is `hung` only in the proven absorbing state (ksgxd asleep, every free
    list empty, every page resident, every worker waiting for a page, the wake-up
    test false); `stalled` after `stall_seconds` with no touch completed anywhere and no
    page scanned by the reclaimer, or
    when one fault is retried more than `max_retries` times, without that state.
    `pin` puts fault worker ``i`` on the ``i``-th usable CPU (wrapping round); the
    reclaimer floats. Ctrl-C stops the run within a fraction of a second and raises
    KeyboardInterrupt.

    `watermark_read` picks the read both watermark tests compare: the cheap read (the
    kernel's) or, near a watermark, the exact one (``__percpu_counter_compare``'s rule,
    which matters for percpu_batch). `counter_batch`, `packed`, `plain_update` and
    `remote_fetch_ns` are as for EpcPool.

    ``preset="seed"`` sets the seed report's shape on the EPC given by `nodes` and
    `pages_per_node` (the seed's: 2 x 16,777,216 pages): one thread, one enclave
    `SEED_ENCLAVE_EXCESS` larger than the EPC, three passes, the last removing every
    page. `threads`, `enclave_pages`, `passes`, `shared_enclave` and
    `remove_last_pass` must then be left at their defaults.

    `walk_interval_seconds` > 0 samples the count and the free pages, every node lock
    held, that often and once at the end: ``result.drift_walk`` (see drift_walk.py).
    `update_log_limit` > 0 stamps the time of every update of the one shared count, up
    to that many per thread, for the strategies that have one: ``result.update_log``
    (see update_log.py); other strategies raise ValueError.

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
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)} or None, got {preset!r}")
        fixed = {
            "threads": threads,
            "enclave_pages": enclave_pages,
            "passes": passes,
            "shared_enclave": shared_enclave,
            "remove_last_pass": remove_last_pass,
        }
        changed = [name for name, value in fixed.items() if value != getattr(DEFAULTS, name)]
        if changed:
            raise ValueError(f"preset={preset!r} sets {', '.join(changed)} itself; leave it at its default")
        given = checked_shape(nodes, pages_per_node, node_search)
        epc = total_epc_pages(given.nodes, given.pages_per_node)
        threads, passes, shared_enclave, remove_last_pass = 1, 3, True, True
        enclave_pages = seed_enclave_pages(epc)
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
    config.plain_update = parse_plain_update(plain_update)
    config.remote_fetch_ns = as_int("remote_fetch_ns", remote_fetch_ns)
    config.shared_enclave = as_bool("shared_enclave", shared_enclave)
    config.direct_reclaim = as_bool("direct_reclaim", direct_reclaim)
    config.remove_last_pass = as_bool("remove_last_pass", remove_last_pass)
    config.fault_leaves_young = as_bool("fault_leaves_young", fault_leaves_young)
    config.unreclaimable_pages = as_int("unreclaimable_pages", unreclaimable_pages)
    config.initial_drift = as_int("initial_drift", initial_drift)
    config.stall_seconds = as_float("stall_seconds", stall_seconds)
    config.walk_interval_seconds = as_float("walk_interval_seconds", walk_interval_seconds)
    config.update_log_limit = as_int("update_log_limit", update_log_limit)
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
        plain_update=config.plain_update,
        remote_fetch_ns=config.remote_fetch_ns,
        shared_enclave=config.shared_enclave,
        direct_reclaim=config.direct_reclaim,
        remove_last_pass=config.remove_last_pass,
        fault_leaves_young=config.fault_leaves_young,
        unreclaimable_pages=config.unreclaimable_pages,
        preset=preset,
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
        pages_reclaimed_directly=stats.pages_reclaimed_directly,
        pages_removed=stats.pages_removed,
        wake_calls=stats.wake_calls,
        young_skipped=stats.young_skipped,
        busy_being_reclaimed=stats.busy_being_reclaimed,
        reclaim_seconds=stats.reclaim_seconds,
        fault_wait_seconds=stats.fault_wait_seconds,
        counter=stats.counter,
        exact_count=stats.exact_count,
        true_free=stats.true_free,
        active_pages=stats.active_pages,
        fault_wakes_reclaimer=stats.fault_wakes_reclaimer,
        pages_conserved=stats.pages_conserved,
        faults_per_worker=stats.faults_per_worker,
        node_search=config.node_search,
        soft_lockup_node=stats.soft_lockup_node if stats.soft_lockup_node >= 0 else None,
        walk_interval_seconds=config.walk_interval_seconds,
        update_log_limit=config.update_log_limit,
        drift_walk=_drift_walk(stats) if config.walk_interval_seconds > 0 else None,
        update_log=_update_log(stats, config) if config.update_log_limit > 0 else None,
    )


def _drift_walk(stats: _core.ReclaimStats) -> DriftWalk:
    return DriftWalk(
        seconds=stats.walk_seconds,
        touches=stats.walk_touches,
        counter=stats.walk_counter,
        exact=stats.walk_exact,
        free=stats.walk_free,
    )


def _update_log(stats: _core.ReclaimStats, config: _core.ReclaimConfig) -> UpdateLog:
    per_thread = stats.update_ns
    return UpdateLog(
        workers=tuple(per_thread[:-1]),
        ksgxd=per_thread[-1],
        limit=config.update_log_limit,
        full=stats.update_log_full,
    )
