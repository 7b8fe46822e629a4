"""EpcPool: the allocator model, one page at a time, for exploring and teaching.

Each call takes the node spinlocks in C++ exactly as the kernel does; from
Python, one call costs about a microsecond, so hammering belongs to `hammer()`.
"""

from __future__ import annotations

from pysgxalloc import _core
from pysgxalloc._core import Comparison, InvariantError
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

    # The core's methods, behind the same type checks as every public function.
    def alloc(self, node: int = 0) -> int | None:
        return super().alloc(as_int("node", node))

    def free(self, page: int) -> None:
        super().free(as_int("page id", page))

    def home_node(self, page: int) -> int:
        return super().home_node(as_int("page id", page))

    def is_free(self, page: int) -> bool:
        return super().is_free(as_int("page id", page))

    def should_reclaim(self, watermark: int, comparison: Comparison = Comparison.signed_count) -> bool:
        if not isinstance(comparison, Comparison):
            raise TypeError(f"comparison must be a Comparison, got {type(comparison).__name__}")
        return super().should_reclaim(as_int("watermark", watermark), comparison)

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
