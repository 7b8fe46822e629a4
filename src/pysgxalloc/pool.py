"""EpcPool: the allocator model, one page at a time, for exploring and teaching.

Each call takes the node spinlocks in C++ exactly as the kernel does; from
Python, one call costs a pybind11 call (a tenth of a microsecond or so), so
hammering belongs to `hammer()`.
"""

from __future__ import annotations

from pysgxalloc import _core
from pysgxalloc._checks import as_bool, as_int, as_member, as_optional_int
from pysgxalloc._core import Comparison, InvariantError, MemoryLayout, NodeSearch, PlainUpdate, WatermarkRead
from pysgxalloc.pool_shape import NODES_FROM_PAGES, NodesArg, NodeSearchLike, PagesPerNode, checked_shape
from pysgxalloc.strategy import StrategyLike, parse_strategy

PlainUpdateLike = PlainUpdate | str


def parse_plain_update(value: PlainUpdateLike) -> PlainUpdate:
    """Return the `PlainUpdate` a user named; ValueError names the valid choices."""
    return as_member(PlainUpdate, "plain_update", value)


#: A layout as the member or its name.
MemoryLayoutLike = MemoryLayout | str


def parse_layout(value: MemoryLayoutLike) -> MemoryLayout:
    """Return the `MemoryLayout` a user named; ValueError names the valid choices."""
    return as_member(MemoryLayout, "layout", value)


def raise_if_broken(pool: _core.Pool, context: str = "") -> None:
    """InvariantError, its message after `context`, unless every page is exactly once free or allocated."""
    violation = pool.invariant_violation()
    if violation:
        raise InvariantError(context + violation)


class EpcPool(_core.Pool):
    """SGX EPC pages on `nodes` NUMA nodes, with the free-page count kept by `strategy`.

    ``alloc(node)`` models ``__sgx_alloc_epc_page()``: the local node first, then
    every other node with EPC once in rising id, wrapping round; None when every
    list is empty. ``free(page)`` models ``sgx_free_epc_page()``: the page goes back to
    its home node's tail (``DoubleFreeError`` if it is already free, ValueError for
    an id out of range). ``counter`` is the cheap read the reclaimer sees,
    ``true_free`` the sum of the list lengths, ``drift`` their difference.
    ``exact_count`` is the strategy's exact read (percpu_batch sums its slots under
    its lock; for every other strategy it equals ``counter``), ``exact_drift`` its
    difference from ``true_free``, and ``read_error_bound`` the most ``counter`` can
    be off from ``exact_count`` while no thread updates.

    Both calls take an optional `slot`, the caller's index among the pool's users
    (the model's CPU number, 0 to MAX_THREADS, default CALLER_SLOT): per-thread
    strategies (percpu_batch, striped) keep that user's share of the count there.
    Calls hold the GIL, so any slot is the caller's alone for the call.

    `pages_per_node` is one count for every node, or a sequence with one count per
    node, 0 for a node with CPUs but no EPC (``nodes`` then defaults to its length;
    otherwise to 2). ``alloc(node)`` from such a node searches the nodes with EPC
    from the next one up, wrapping round, as `node_search` says: with
    ``NodeSearch.fixed_2024`` (the default) it returns None after one lap when every
    list is empty; with ``NodeSearch.v5_13_until_caller`` the kernel would spin
    forever, and the model raises ``SoftLockupError`` after ``SOFT_LOCKUP_LAPS``
    empty laps instead (pool unchanged). A caller on a node with EPC gets None
    either way.

    `initial_drift` starts the counter that far off, as if updates had been lost.
    `counter_batch` is percpu_batch's batch (default ``max(32, 2 x usable CPUs)``).
    `packed` lays per-node and per-thread cells side by side instead of one per
    cache-line pair: the padding ablation (no effect on single-count strategies).
    `plain_update` is how plain_node_lock and plain_unlocked update the count: ``in_place``,
    one read-modify-write instruction as gcc compiles the kernel's ``sgx_nr_free_pages--``
    (the default), or ``load_store``, a volatile load then a store; `remote_fetch_ns` widens the
    load_store window by that much, modelling the remote cache-line fetch of a two-socket machine.
    `layout` is where the nodes, the counter, sgx_reclaimer_lock and the active list's head sit:
    ``padded`` (each on its own 128-byte block, the default) or ``kernel`` (v5.15's sharing, cells
    packed too); ``addresses()`` says where each went (docs/layout.md).
    """

    def __init__(
        self,
        strategy: StrategyLike,
        *,
        nodes: NodesArg = NODES_FROM_PAGES,
        pages_per_node: PagesPerNode = 4096,
        initial_drift: int = 0,
        counter_batch: int | None = None,
        packed: bool = False,
        node_search: NodeSearchLike = NodeSearch.fixed_2024,
        plain_update: PlainUpdateLike = PlainUpdate.in_place,
        remote_fetch_ns: int = 0,
        layout: MemoryLayoutLike = MemoryLayout.padded,
    ) -> None:
        if _is_built(self):
            raise TypeError("this EpcPool is built already: __init__ runs once; make a new EpcPool instead")
        parsed = parse_strategy(strategy)
        shape = checked_shape(nodes, pages_per_node, node_search)
        super().__init__(
            parsed,
            shape.nodes,
            shape.uniform_pages,
            as_int("initial_drift", initial_drift),
            as_optional_int("counter_batch", counter_batch),
            as_bool("packed", packed),
            shape.node_pages,
            shape.node_search,
            parse_plain_update(plain_update),
            as_int("remote_fetch_ns", remote_fetch_ns),
            parse_layout(layout),
        )

    # alloc(), free(), home_node() and is_free() are the core's own methods: the core
    # checks their integers as as_int() does (bindings/int_arg.hpp), so a call from
    # Python is one pybind11 call with no wrapper in front (bench/pool_call_cost.py).

    def compare_margin(self, read: WatermarkRead) -> int:
        """How near the watermark the cheap read must lie for `read` to take the exact read instead:
        batch x slots in use for percpu_batch under ``exact_near_watermark`` (the kernel's
        ``__percpu_counter_compare``: batch x CPUs online), else `read_error_bound`."""
        if not isinstance(read, WatermarkRead):
            raise TypeError(f"read must be a WatermarkRead, got {type(read).__name__}")
        return super().compare_margin(read)

    def count_below(
        self,
        watermark: int,
        comparison: Comparison = Comparison.kernel_unsigned,
        read: WatermarkRead = WatermarkRead.cheap,
    ) -> bool:
        """The count test alone, the first half of sgx_should_reclaim(): is the count below `watermark`?

        `comparison` is the kernel's unsigned test by default (a negative count reads as huge).
        `read` picks the count compared: the cheap read, as the kernel does, or the exact read
        when the cheap one lies near the watermark: within batch x slots in use
        (``exact_near_watermark``, ``__percpu_counter_compare``'s rule) or within the strategy's
        error bound (``exact_within_error_bound``, tighter); it matters for percpu_batch.
        """
        if not isinstance(comparison, Comparison):
            raise TypeError(f"comparison must be a Comparison, got {type(comparison).__name__}")
        if not isinstance(read, WatermarkRead):
            raise TypeError(f"read must be a WatermarkRead, got {type(read).__name__}")
        return super().count_below(as_int("watermark", watermark), comparison, read)

    def should_reclaim(
        self,
        watermark: int,
        comparison: Comparison = Comparison.kernel_unsigned,
        read: WatermarkRead = WatermarkRead.cheap,
        *,
        active_pages: int,
    ) -> bool:
        """models sgx_should_reclaim(): the count is below `watermark` *and* the active list is not empty.

        The pool holds no enclave pages, so the caller says how many pages are on the active list
        (`active_pages`); with none, nothing is reclaimable and the answer is False whatever the
        count. `comparison` and `read` are as for `count_below`.
        """
        if as_int("active_pages", active_pages) < 0:
            raise ValueError(f"active_pages must be >= 0, got {active_pages}")
        return self.count_below(watermark, comparison, read) and active_pages > 0

    def churn(self, ops: int, node: int, slot: int, batch: int = 1, work: int = 0) -> _core.Tally:
        """Run about `ops` operations of worker traffic in C++ with the GIL released; return the tally.

        Each iteration allocates `batch` pages from `node` (falling back to the
        others), then frees them, with `work` busy-loop turns between operations,
        the same loop as ``hammer()``'s workers. Many threads may call this at once,
        each with its own `slot` (0..1023; a slot in use raises ValueError).

        Ctrl-C stops a call made from the main thread. Threads that are not the
        main one never see Ctrl-C: keep their calls to milliseconds and loop, or
        call the core's ``Pool.churn_until_stopped(..., stop)`` with a shared ``_core.StopFlag``
        (as the Python engine does). Every page a call took is given back, even
        when a free fails (``DoubleFreeError``: another thread freed a page this
        call held).
        """
        return super().churn(
            as_int("ops", ops),
            as_int("node", node),
            as_int("slot", slot),
            as_int("batch", batch),
            as_int("work", work),
        )

    def check_invariant(self) -> None:
        """Raise InvariantError unless every page is exactly once free or allocated."""
        raise_if_broken(self)

    def __repr__(self) -> str:
        return (
            f"EpcPool(strategy={self.strategy.name!r}, nodes={self.nodes}, "
            f"pages_per_node={self.pages_per_node}, counter={self.counter}, exact_count={self.exact_count}, "
            f"true_free={self.true_free})"
        )


def _is_built(pool: _core.Pool) -> bool:
    """Whether the core's pool behind `pool` exists (a pool made by EpcPool.__new__ alone has none)."""
    try:
        _core.Pool.nodes.__get__(pool)
    except TypeError:
        return False
    return True
