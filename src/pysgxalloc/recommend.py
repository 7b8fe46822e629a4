"""Which counter to use on this machine: update cost and read cost together, for a stated workload.

A throughput ranking (the verdict under the demo's table) weighs update throughput alone. A
recommendation weighs what a counter costs per update *with* the reads the workload makes:

    cost per update = update ns + reads per update x read ns

measured per run (`strategy_costs`: the update under contention, the read while a writer
churns), over the strategies the workload can use:

- never one that drifts (`plain_node_lock`, `plain_unlocked`): nothing bounds what they lose;
- where reads must be exact (a watermark test: a bounded cheap read can hang the reclaimer),
  `percpu_batch` is costed with its exact read, the others with their cheap read, which is exact;
- `per_node` and `atomic_in_lock` update inside a node's lock, so only where every update
  already holds one (the SGX allocator's free lists do).

The cheapest by median wins, unless a simpler candidate's interval overlaps its own: the runs
cannot tell them apart, and the simpler design is recommended (`SIMPLEST_FIRST`). This is the
one function behind the demo's last lines, ``pysgxalloc costs`` and the docs' "Choosing a
counter" page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.counted import counted
from pysgxalloc.intervals import Interval, describe, median_interval
from pysgxalloc.strategy import accuracy
from pysgxalloc.strategy_costs import StrategyCosts

#: Candidates from the simplest design to the least simple: a tie goes to the earlier one.
SIMPLEST_FIRST: tuple[Strategy, ...] = (
    Strategy.atomic,  # one word, the upstream fix
    Strategy.per_node,  # one word per node, under the lock the update already holds
    Strategy.striped,  # padded cells, summed on read
    Strategy.percpu_batch,  # per-thread deltas, folded under a lock, an error bound to respect
    Strategy.plain_global_lock,  # a second lock on every update
    Strategy.atomic_in_lock,  # the atomic, lengthening the node lock's critical section
)

#: Strategies that update inside the node lock: usable only where updates already hold one.
_NEEDS_NODE_LOCK = frozenset({Strategy.per_node, Strategy.atomic_in_lock})


@dataclass(frozen=True)
class Workload:
    """What the counter serves: how often it is read per update, whether reads must be exact, and
    whether every update already holds a per-node lock."""

    name: str = "the SGX fault path"
    #: sgx_should_reclaim() reads the count once per allocation; a page costs an allocation and a free.
    reads_per_update: float = 0.5
    exact_reads: bool = True  #: a watermark test: a read off by a batch can hang the reclaimer
    node_lock_held: bool = True  #: every update sits inside a node's free-list lock

    def __post_init__(self) -> None:
        if not self.reads_per_update >= 0:  # also refuses NaN
            raise ValueError(f"reads_per_update must be at least 0, got {self.reads_per_update}")


#: The workload the model is of: the kernel's fault path and ksgxd, reading at every allocation.
SGX_FAULT_PATH = Workload()


@dataclass(frozen=True)
class CandidateCost:
    """One strategy's cost per update in this workload, one entry per run."""

    strategy: Strategy
    per_update_ns: tuple[float, ...]  #: update ns + reads per update x read ns, per run
    update_ns: float  #: median
    read_ns: float  #: median of the read the workload needs

    @property
    def median(self) -> float:
        return float(np.median(self.per_update_ns))

    @property
    def interval(self) -> Interval:
        return median_interval(self.per_update_ns)


@dataclass(frozen=True)
class Recommendation:
    """The strategy to use for `workload` on this machine, with every candidate's cost (cheapest first)."""

    workload: Workload
    strategy: Strategy | None  #: None where no candidate was measured
    ranked: tuple[CandidateCost, ...]
    #: The cheapest by median, where the runs could not tell it from the simpler `strategy`; else None.
    tied_with: Strategy | None
    left_out: tuple[tuple[Strategy, str], ...]  #: strategies the workload cannot use, and why

    def text(self) -> str:
        """The recommendation as the demo and ``pysgxalloc costs`` print it: a first line that ends with
        the strategy, then each candidate's cost per update, then why a tie went to the simpler one."""
        w = self.workload
        reads = f"{w.reads_per_update:g} {'exact ' if w.exact_reads else ''}reads per update"
        head = f"recommendation for {w.name} (update and read cost together, {reads}): "
        if self.strategy is None or not self.ranked:
            return head + "none (no candidate was measured)"
        runs = min(len(c.per_update_ns) for c in self.ranked)
        chosen = next(c for c in self.ranked if c.strategy is self.strategy)
        costs = [_cost(chosen, w)] + [
            f"{c.strategy.name} {c.median:.1f}" for c in self.ranked if c is not chosen
        ]
        lines = [
            head + self.strategy.name,
            f"  ns per update, medians of {counted(runs, 'run')}: " + "; ".join(costs),
        ]
        if self.tied_with is not None:
            lines.append(
                f"  {self.tied_with.name} is cheaper by median ({self.ranked[0].median:.1f}), but its "
                f"interval overlaps {self.strategy.name}'s: this run cannot tell them apart, and "
                f"{self.strategy.name} is the simpler design"
            )
        if self.left_out:
            lines.append("  left out: " + ", ".join(f"{s.name} ({why})" for s, why in self.left_out))
        return "\n".join(lines)


def _cost(candidate: CandidateCost, workload: Workload) -> str:
    """A candidate's cost per update, its interval, and what it is made of."""
    return (
        f"{candidate.strategy.name} {candidate.median:.1f} {describe(candidate.interval, '.1f')} = "
        f"{candidate.update_ns:.1f} update + {workload.reads_per_update:g} x {candidate.read_ns:.1f} read"
    )


def why_left_out(strategy: Strategy, workload: Workload) -> str | None:
    """Why `workload` cannot use `strategy`; None where it can."""
    if accuracy(strategy) is Accuracy.drifts:
        return "drifts"
    if strategy in _NEEDS_NODE_LOCK and not workload.node_lock_held:
        return "updates hold no node lock"
    return None


def candidates(workload: Workload = SGX_FAULT_PATH) -> tuple[Strategy, ...]:
    """The strategies `workload` can use, simplest first: what the demo measures for its recommendation."""
    return tuple(s for s in SIMPLEST_FIRST if why_left_out(s, workload) is None)


def candidate_cost(costs: StrategyCosts, workload: Workload) -> CandidateCost | None:
    """`costs`' samples as a cost per update in `workload`, run by run (the runs that measured both:
    Ctrl-C may stop a run between its update and its reads); None where no run did."""
    bounded = accuracy(costs.strategy) is Accuracy.bounded
    reads = costs.exact_read_ns if workload.exact_reads and bounded else costs.cheap_read_ns
    runs = min(len(costs.update_ns), len(reads))
    if runs == 0:
        return None
    updates, reads = costs.update_ns[:runs], reads[:runs]
    per_update = tuple(u + workload.reads_per_update * r for u, r in zip(updates, reads, strict=True))
    return CandidateCost(costs.strategy, per_update, float(np.median(updates)), float(np.median(reads)))


def recommend(costs: Sequence[StrategyCosts], workload: Workload = SGX_FAULT_PATH) -> Recommendation:
    """The strategy to use for `workload`, from measured `costs` (see the module's note)."""
    left_out = []
    measured: list[CandidateCost] = []
    for one in costs:
        why = why_left_out(one.strategy, workload)
        if why is not None:
            left_out.append((one.strategy, why))
        elif (cost := candidate_cost(one, workload)) is not None:
            measured.append(cost)
    ranked = tuple(sorted(measured, key=lambda c: c.median))
    if not ranked:
        return Recommendation(workload, None, (), None, tuple(left_out))
    cheapest = ranked[0]
    overlapping = [c for c in ranked if _overlap(c.interval, cheapest.interval)]
    chosen = min(overlapping, key=lambda c: _simplicity(c.strategy))
    tied = cheapest.strategy if chosen is not cheapest else None
    return Recommendation(workload, chosen.strategy, ranked, tied, tuple(left_out))


def _overlap(a: Interval, b: Interval) -> bool:
    return a.low <= b.high and b.low <= a.high


def _simplicity(strategy: Strategy) -> int:
    return SIMPLEST_FIRST.index(strategy) if strategy in SIMPLEST_FIRST else len(SIMPLEST_FIRST)
