"""EpcPool: the allocator model, one page at a time, for exploring and teaching.

Each call takes the node spinlocks in C++ exactly as the kernel does; from
Python, one call costs about a microsecond, so hammering belongs to `hammer()`.
"""

from __future__ import annotations

from pysgxalloc import _core
from pysgxalloc._core import InvariantError
from pysgxalloc.checks import as_int
from pysgxalloc.strategy import StrategyLike, parse_strategy


class EpcPool(_core.Pool):
    """SGX EPC pages on `nodes` NUMA nodes, with the free-page count kept by `strategy`.

    ``alloc(node)`` models ``__sgx_alloc_epc_page()``: the local node first, then
    every other node once in rising id, wrapping round; None when every list is
    empty. ``free(page)`` models ``sgx_free_epc_page()``: the page goes back to
    its home node's tail (``DoubleFreeError`` if it is already free, ValueError for
    an id out of range). ``counter`` is the cheap read the reclaimer sees,
    ``true_free`` the sum of the list lengths, ``drift`` their difference.
    `initial_drift` starts the counter that far off, as if updates had been lost.
    """

    def __init__(
        self, strategy: StrategyLike, nodes: int = 2, pages_per_node: int = 4096, initial_drift: int = 0
    ) -> None:
        super().__init__(
            parse_strategy(strategy),
            as_int("nodes", nodes),
            as_int("pages_per_node", pages_per_node),
            as_int("initial_drift", initial_drift),
        )

    def churn(self, ops: int, node: int, slot: int, batch: int = 1, work: int = 0) -> _core.Tally:
        """Run about `ops` operations of worker traffic in C++ with the GIL released; return the tally.

        Each iteration allocates `batch` pages from `node` (falling back to the
        others), then frees them, with `work` busy-loop turns between operations,
        the same loop as ``hammer()``'s workers. Many threads may call this at once,
        each with its own `slot` (0..1023; a slot in use raises ValueError). One
        call cannot be interrupted, so keep it to milliseconds and loop.
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
        violation = self.invariant_violation()
        if violation:
            raise InvariantError(violation)

    def __repr__(self) -> str:
        return (
            f"EpcPool(strategy={self.strategy.name!r}, nodes={self.nodes}, "
            f"pages_per_node={self.pages_per_node}, counter={self.counter}, true_free={self.true_free})"
        )
