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

``preset="seed"`` runs the experiment of the report that found the hang: one faulting
thread, one enclave an eighth larger than the EPC, three passes, the last of
which removes every page (freeing it while ksgxd frees too). Every setting is
defined once, in reclaim_settings.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysgxalloc import _core, _test_hooks
from pysgxalloc._core import ReclaimOutcome, Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.drift_walk import DriftWalk
from pysgxalloc.machine import usable_cpus
from pysgxalloc.reclaim_settings import ReclaimSettings
from pysgxalloc.settings import SettingsAndStats, keyword_function
from pysgxalloc.strategy import StrategyLike, is_exact, parse_strategy
from pysgxalloc.update_log import UpdateLog


@dataclass(frozen=True, eq=False, repr=False)
class ReclaimResult(SettingsAndStats):
    """One reclaim scenario: its settings and what it measured. Counts are measured in C++; the end
    state is read with every thread joined, so for a hung run it is the state the run hung in.

    Every setting reads as an attribute (``result.threads``, ``result.low``: the settings as run,
    a preset's shape applied), and so does every figure of the core's stats (``result.outcome``,
    ``result.faults_served``, ``result.counter``, ``result.true_free``, ``result.active_pages``,
    ``result.fault_wakes_reclaimer``, ``result.faults_per_worker``, ...; each is described in
    csrc/scenario/reclaim_scenario.hpp's ReclaimStats): see `SettingsAndStats`.
    """

    strategy: Strategy
    settings: ReclaimSettings
    stats: _core.ReclaimStats
    cpus: int  #: CPUs this process could use during the run
    #: The count and the free pages sampled every walk_interval_seconds; None unless asked for.
    drift_walk: DriftWalk | None = None
    #: When each thread updated the one shared count; None unless update_log_limit was given.
    update_log: UpdateLog | None = None

    @property
    def soft_lockup_node(self) -> int | None:
        """The CPU-only node whose worker locked up in the v5.13 node search; None unless outcome is
        soft_lockup."""
        node = self.stats.soft_lockup_node
        return node if node >= 0 else None

    @property
    def soft_lockup(self) -> bool:
        """A worker on a CPU-only node found every list empty with the v5.13 search: in the kernel
        it would spin inside the allocator for good (the second bug; the counter's hang is `hung`)."""
        return self.stats.outcome is ReclaimOutcome.soft_lockup

    @property
    def hung(self) -> bool:
        """Proven hung: the absorbing state no thread can leave (not merely slow: see `stalled`)."""
        return self.stats.outcome is ReclaimOutcome.hung

    @property
    def stalled(self) -> bool:
        """No progress for stall_seconds (or a fault past max_retries) without a proven hang: starved."""
        return self.stats.outcome is ReclaimOutcome.stalled

    @property
    def out_of_memory(self) -> bool:
        """An allocation found nothing free and nothing to reclaim: the kernel's -ENOMEM (SIGBUS)."""
        return self.stats.outcome is ReclaimOutcome.out_of_memory

    @property
    def completed(self) -> bool:
        return self.stats.outcome is ReclaimOutcome.completed

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def drift(self) -> int:
        """counter - true_free: updates the counter lost (negative: lost frees) or gained."""
        return self.stats.counter - self.stats.true_free

    @property
    def epc_pages(self) -> int:
        return self.settings.epc_pages

    @property
    def oversubscribed(self) -> bool:
        """More fault workers than usable CPUs: spinning faults then compete for CPUs with each other."""
        return self.settings.threads > self.cpus

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


def run_reclaim_scenario(strategy: StrategyLike, settings: ReclaimSettings) -> ReclaimResult:
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
    which matters for percpu_batch). `layout` places the pool's hot objects: ``kernel`` (the
    default: the scenario models the kernel, v5.15's sharing) or ``padded`` (docs/layout.md).
    `counter_batch`, `packed`, `plain_update` and
    `remote_fetch_ns` are as for EpcPool.

    ``preset="seed"`` sets the shape of the experiment in the report that found the hang, on the
    EPC given by `nodes` and `pages_per_node` (the report's: 2 x 16,777,216 pages): one thread, one enclave
    `SEED_ENCLAVE_EXCESS` larger than the EPC, three passes, the last removing every
    page. `threads`, `enclave_pages`, `passes`, `shared_enclave` and
    `remove_last_pass` must then be left at their defaults.

    `walk_interval_seconds` > 0 samples the count and the free pages, every node lock
    held, that often and once at the end: ``result.drift_walk`` (see drift_walk.py).
    `update_log_limit` > 0 stamps the time of every update of the one shared count, up
    to that many per thread, for the strategies that have one: ``result.update_log``
    (see update_log.py); other strategies raise ValueError.

    `pages_per_node` may list one count per node, 0 for a node with CPUs but no EPC
    (`nodes` then defaults to its length); a worker whose node is
    CPU-only searches the nodes with EPC as `node_search` says. With
    ``NodeSearch.v5_13_until_caller``, such a worker that finds every list empty
    never returns from the allocator in the kernel, so never wakes the reclaimer:
    the run ends with outcome ``soft_lockup`` (``soft_lockup_node`` says where),
    every thread joined and every page accounted for. With ``NodeSearch.fixed_2024``
    (the default) it gets -EBUSY and waits for the reclaimer like everyone else.
    """
    parsed = parse_strategy(strategy)
    config = native_config(
        _core.ReclaimConfig,
        leak_pages=_test_hooks.leak_pages,
        meet_write_back=_test_hooks.meet_write_back,
        **settings.native_fields(),
    )
    cpus = usable_cpus()
    stats = _core.reclaim(parsed, config)
    return ReclaimResult(
        parsed,
        settings,
        stats,
        cpus,
        drift_walk=_drift_walk(stats) if settings.walk_interval_seconds > 0 else None,
        update_log=_update_log(stats, settings) if settings.update_log_limit > 0 else None,
    )


#: ``run_reclaim_scenario`` with every setting a keyword: ``reclaim_scenario("atomic", initial_drift=100)``.
reclaim_scenario = keyword_function(run_reclaim_scenario, ReclaimSettings, "reclaim_scenario")


def _drift_walk(stats: _core.ReclaimStats) -> DriftWalk:
    return DriftWalk(
        seconds=stats.walk_seconds,
        touches=stats.walk_touches,
        counter=stats.walk_counter,
        exact=stats.walk_exact,
        free=stats.walk_free,
    )


def _update_log(stats: _core.ReclaimStats, settings: ReclaimSettings) -> UpdateLog:
    per_thread = stats.update_ns
    return UpdateLog(
        workers=tuple(per_thread[:-1]),
        ksgxd=per_thread[-1],
        limit=settings.update_log_limit,
        full=stats.update_log_full,
    )
