"""EpcPool against a plain Python model of the kernel's free lists, step by random step.

Hypothesis drives one pool per strategy through random allocations, frees, double frees
and out-of-range ids and nodes. After every step the pool must agree with the model: the
page each allocation returns (local node first, then rising ids, wrapping round; list
heads in FIFO order), which pages are free, the true count, the exact read (always the
truth), the cheap read (the truth for every strategy but percpu_batch, whose slots may hold
unfolded deltas: then within its stated bound), the conservation invariant, and that a
refused call changed nothing. Calls come from a few slots, as from several threads taking
turns.
"""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import pysgxalloc as sgx
from pysgxalloc._checks import INT64_MAX, INT64_MIN

# Three worker slots and the one for GIL-holding callers.
SLOTS = st.sampled_from([0, 1, 2, sgx.CALLER_SLOT])


class FreeListsModel:
    """The kernel's sgx_numa_node free lists as deques: pop the head, append to the home tail."""

    def __init__(self, nodes: int, pages_per_node: int) -> None:
        self.pages_per_node = pages_per_node
        self.lists = [deque(range(n * pages_per_node, (n + 1) * pages_per_node)) for n in range(nodes)]

    def home(self, page: int) -> int:
        return page // self.pages_per_node

    def alloc(self, local: int) -> int | None:
        nodes = len(self.lists)
        for step in range(nodes):
            free_list = self.lists[(local + step) % nodes]
            if free_list:
                return free_list.popleft()
        return None

    def free(self, page: int) -> None:
        self.lists[self.home(page)].append(page)

    def free_pages(self) -> set[int]:
        return {page for free_list in self.lists for page in free_list}


def machine_for(strategy: sgx.Strategy) -> type[RuleBasedStateMachine]:
    class PoolMatchesModel(RuleBasedStateMachine):
        pool: sgx.EpcPool
        model: FreeListsModel
        held: list[int]

        # A small counter_batch lets percpu_batch fold within a few steps (others ignore it).
        @initialize(
            nodes=st.integers(1, 4), pages_per_node=st.integers(1, 6), counter_batch=st.integers(1, 4)
        )
        def build(self, nodes: int, pages_per_node: int, counter_batch: int) -> None:
            self.pool = sgx.EpcPool(
                strategy, nodes=nodes, pages_per_node=pages_per_node, counter_batch=counter_batch
            )
            self.model = FreeListsModel(nodes, pages_per_node)
            self.held = []

        @rule(data=st.data(), slot=SLOTS)
        def alloc(self, data: st.DataObject, slot: int) -> None:
            node = data.draw(st.integers(0, self.pool.nodes - 1), label="node")
            expected = self.model.alloc(node)
            assert self.pool.alloc(node, slot) == expected
            if expected is not None:
                self.held.append(expected)

        @precondition(lambda self: bool(self.held))
        @rule(data=st.data(), slot=SLOTS)
        def free(self, data: st.DataObject, slot: int) -> None:
            page = self.held.pop(data.draw(st.integers(0, len(self.held) - 1), label="index"))
            self.pool.free(page, slot)
            self.model.free(page)

        @precondition(lambda self: bool(self.model.free_pages()))
        @rule(data=st.data())
        def double_free_is_refused(self, data: st.DataObject) -> None:
            page = data.draw(st.sampled_from(sorted(self.model.free_pages())), label="free page")
            with pytest.raises(sgx.DoubleFreeError, match=f"page {page} is already free"):
                self.pool.free(page)

        @rule(data=st.data())
        def page_id_out_of_range_is_refused(self, data: st.DataObject) -> None:
            total = self.pool.total_pages
            page = data.draw(
                st.one_of(st.integers(INT64_MIN, -1), st.integers(total, INT64_MAX)), label="bad id"
            )
            with pytest.raises(ValueError, match="page id must be between"):
                self.pool.free(page)
            with pytest.raises(ValueError, match="page id must be between"):
                self.pool.home_node(page)

        @rule(data=st.data())
        def node_out_of_range_is_refused(self, data: st.DataObject) -> None:
            nodes = self.pool.nodes
            node = data.draw(
                st.one_of(st.integers(INT64_MIN, -1), st.integers(nodes, INT64_MAX)), label="bad node"
            )
            with pytest.raises(ValueError, match="node must be between"):
                self.pool.alloc(node)

        @invariant()
        def pool_agrees_with_model(self) -> None:
            free = self.model.free_pages()
            assert self.pool.true_free == len(free)
            assert self.pool.exact_count == len(free)  # one call at a time: even a plain count loses nothing
            if sgx.accuracy(strategy) is sgx.Accuracy.bounded:
                assert abs(self.pool.counter - len(free)) <= self.pool.read_error_bound
            else:
                assert self.pool.counter == len(free)
            assert [self.pool.is_free(p) for p in range(self.pool.total_pages)] == [
                p in free for p in range(self.pool.total_pages)
            ]
            for page in self.held:
                assert self.pool.home_node(page) == self.model.home(page)
            self.pool.check_invariant()

    PoolMatchesModel.__name__ = f"PoolMatchesModel_{strategy.name}"
    return PoolMatchesModel


for _strategy in sgx.STRATEGIES:
    _machine = machine_for(_strategy)
    _machine.TestCase.settings = settings(max_examples=30, stateful_step_count=50, deadline=None)
    globals()[f"TestPoolMatchesModel_{_strategy.name}"] = _machine.TestCase
