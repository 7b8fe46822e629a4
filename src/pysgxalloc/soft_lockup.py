"""The second bug's reproduction: a machine with a CPU-only NUMA node, reclaim scenarios run
with each node search, and how each run ended (``python -m pysgxalloc lockup`` prints it).

The machine has EPC on nodes 1 and 2 only; node 0 has CPUs but no EPC (firmware mapped
none there). Fault worker ``i`` runs on node ``i % 3``, so worker 0 runs on the CPU-only
node. Two placements: one fault worker per node, and worker 0 alone. The strategy is an
exact one by default, so the counter cannot be the cause of anything seen.

`lockup_runs` yields results one at a time (a caller can show progress and keep what
finished when interrupted); `summarize_lockups` groups them per placement and search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pysgxalloc._checks import as_int
from pysgxalloc._core import NodeSearch, Strategy
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.strategy import StrategyLike

#: The CPU-only node of the machine, and how many nodes it has.
CPU_ONLY_NODE = 0
MACHINE_NODES = 3
#: Fault workers of each placement: one per node, and the CPU-only node's worker alone.
PLACEMENTS: tuple[int, ...] = (MACHINE_NODES, 1)
#: v5.13's search first, then the fix.
SEARCHES: tuple[NodeSearch, ...] = (NodeSearch.v5_13_until_caller, NodeSearch.fixed_2024)
DEFAULT_EPC_PAGES_PER_NODE = 4096
#: The watchdog's stall limit here: a lockup is detected by the worker itself, and an exact
#: counter never hangs otherwise, so a long limit costs nothing and keeps a busy machine from
#: turning a slow lap count into a "stalled" verdict.
DEFAULT_STALL_SECONDS = 5.0


def lockup_machine(epc_pages_per_node: int = DEFAULT_EPC_PAGES_PER_NODE) -> tuple[int, ...]:
    """Pages per node: none on node 0, `epc_pages_per_node` on nodes 1 and 2."""
    pages = as_int("epc_pages_per_node", epc_pages_per_node)
    return tuple(0 if node == CPU_ONLY_NODE else pages for node in range(MACHINE_NODES))


@dataclass(frozen=True, eq=False)
class LockupRuns:
    """Repeated runs of one placement with one node search."""

    threads: int  #: fault workers; worker 0 is on the CPU-only node
    node_search: NodeSearch
    results: tuple[ReclaimResult, ...]

    @property
    def strategy(self) -> Strategy:
        return self.results[0].strategy

    @property
    def runs(self) -> int:
        return len(self.results)

    @property
    def completed(self) -> int:
        return sum(r.completed for r in self.results)

    @property
    def soft_lockups(self) -> int:
        return sum(r.soft_lockup for r in self.results)

    @property
    def other_outcomes(self) -> int:
        """Runs that ended otherwise: stalled, past the retry limit, or interrupted."""
        return self.runs - self.completed - self.soft_lockups

    @property
    def lockup_nodes(self) -> tuple[int, ...]:
        """The nodes the lockups happened on, each once, rising."""
        return tuple(sorted({r.soft_lockup_node for r in self.results if r.soft_lockup_node is not None}))

    @property
    def pages_conserved(self) -> bool:
        return all(r.pages_conserved for r in self.results)


def lockup_runs(
    runs: int = 5,
    *,
    strategy: StrategyLike = "atomic",
    epc_pages_per_node: int = DEFAULT_EPC_PAGES_PER_NODE,
    placements: Iterable[int] = PLACEMENTS,
    searches: Iterable[NodeSearch] = SEARCHES,
    stall_seconds: float = DEFAULT_STALL_SECONDS,
    **scenario: Any,
) -> Iterator[ReclaimResult]:
    """`runs` reclaim scenarios for each placement (fault workers) and node search, on the
    lockup machine, yielded as each finishes. `scenario` goes to ``reclaim_scenario``."""
    count = as_int("runs", runs)
    if count < 1:
        raise ValueError(f"runs must be at least 1, got {count}")
    machine = lockup_machine(epc_pages_per_node)
    for threads in placements:
        for search in searches:
            for _ in range(count):
                yield reclaim_scenario(
                    strategy,
                    pages_per_node=machine,
                    threads=threads,
                    node_search=search,
                    stall_seconds=stall_seconds,
                    **scenario,
                )


def summarize_lockups(results: Iterable[ReclaimResult]) -> list[LockupRuns]:
    """The results grouped by placement and search, in the order first seen."""
    groups: dict[tuple[int, NodeSearch], list[ReclaimResult]] = {}
    for result in results:
        groups.setdefault((result.threads, result.node_search), []).append(result)
    return [LockupRuns(threads, search, tuple(group)) for (threads, search), group in groups.items()]
