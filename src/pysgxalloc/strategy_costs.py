"""Every counter strategy's costs side by side: update, read, accuracy and memory, plus the padding ablation.

Per strategy, interleaved round-robin `repeats` times so noise on a shared machine hits all of them:

- update: ``hammer(threads, batch, hold, rounds)``'s wall ns per operation per thread. Each
  iteration allocates `batch` pages then frees them, so percpu_batch's deltas reach its batch and fold.
- read: ``read_cost(writers, batch)``'s ns per read, the cheap read and the exact read, with the
  writers' Mops/s while the cheap reader ran (what the reads cost the writers).
- accuracy: the largest |cheap read - true free pages| seen at any quiescent round end of the update
  runs (workers hold `hold` pages each across the readings, so percpu_batch's unfolded deltas show),
  against the strategy's bound: 0 for exact ones, (batch - 1) x threads for percpu_batch, none for
  the plain ones, whose lost updates nothing bounds.
- memory: bytes of counter state in a pool of `nodes` nodes (``counter_state_bytes``), padded and packed.
- padding ablation: the update runs again with cells packed onto shared cache lines, for the
  strategies that have per-node or per-thread cells.

This module returns the samples; ``python -m pysgxalloc costs`` prints them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from pysgxalloc._core import Accuracy, Strategy, default_counter_batch
from pysgxalloc.hammer import hammer
from pysgxalloc.machine import usable_cpus
from pysgxalloc.pool import EpcPool
from pysgxalloc.read_cost import read_cost
from pysgxalloc.strategy import STRATEGIES, accuracy

#: The built-in strategies with per-node or per-thread cells: the ones packing can change. A loaded
#: strategy joins the ablation where packing changes its state's size (it has cells too).
ABLATION = (Strategy.per_node, Strategy.percpu_batch, Strategy.striped)


@dataclass(frozen=True)
class CostSetup:
    """What every measurement of a costs run shares; the defaults fill this machine's CPUs."""

    threads: int = field(default_factory=lambda: max(2, usable_cpus()))  #: update threads
    writers: int = field(default_factory=lambda: max(1, usable_cpus() - 1))  #: writers beside the reader
    nodes: int = 2
    ops: int = 2_000_000  #: operations per thread per run
    batch: int = 64  #: pages allocated before freeing them
    hold: int = 5  #: pages each update worker keeps across the quiescent readings
    rounds: int = 10  #: quiescent readings per update run
    counter_batch: int = field(default_factory=default_counter_batch)
    pin: bool = False


@dataclass
class StrategyCosts:
    """Every sample of one strategy's figures, one entry per repeat, and its fixed sizes."""

    strategy: Strategy
    update_ns: list[float] = field(default_factory=list)
    cheap_read_ns: list[float] = field(default_factory=list)
    exact_read_ns: list[float] = field(default_factory=list)
    writer_mops: list[float] = field(default_factory=list)  #: the writers' Mops/s under the cheap reader
    max_error: int = 0  #: the largest |cheap read - true free pages| seen at a quiescent point
    error_bound: int | None = 0  #: what the strategy promises (None: nothing bounds it)
    packed_update_ns: list[float] = field(default_factory=list)  #: the ablation (empty if no cells)
    bytes_padded: int = 0
    bytes_packed: int = 0


def measure_costs(
    setup: CostSetup, repeats: int, strategies: Sequence[Strategy] = STRATEGIES, ablation: bool = True
) -> list[StrategyCosts]:
    """Measure every strategy in `strategies` `repeats` times, round-robin (`ablation`: packed too)."""
    costs = start_costs(setup, strategies)
    for _ in range(repeats):
        for one in costs:
            measure_once(one, setup, ablation)
    return costs


def start_costs(setup: CostSetup, strategies: Sequence[Strategy] = STRATEGIES) -> list[StrategyCosts]:
    """One empty `StrategyCosts` per strategy, its sizes filled in; `measure_once` adds the samples.

    Kept apart from `measure_costs` so a caller that shows progress, or stops on Ctrl-C, keeps
    every sample taken so far.
    """
    return [_sized(strategy, setup.nodes) for strategy in strategies]


def _sized(strategy: Strategy, nodes: int) -> StrategyCosts:
    def state_bytes(packed: bool) -> int:
        return EpcPool(strategy, nodes=nodes, pages_per_node=1, packed=packed).counter_state_bytes

    return StrategyCosts(strategy, bytes_padded=state_bytes(False), bytes_packed=state_bytes(True))


def measure_once(costs: StrategyCosts, setup: CostSetup, ablation: bool = True) -> None:
    """One repeat: update runs (padded, and packed for the ablation unless `ablation` is False), then
    cheap and exact read runs."""
    strategy = costs.strategy
    update_run = functools.partial(
        hammer,
        strategy,
        threads=setup.threads,
        nodes=setup.nodes,
        ops=setup.ops,
        batch=setup.batch,
        rounds=setup.rounds,
        hold=setup.hold,
        counter_batch=setup.counter_batch,
        pin=setup.pin,
    )
    run = update_run()
    costs.update_ns.append(run.ns_per_op)
    costs.max_error = max(costs.max_error, int(abs(run.drift_by_round).max()))
    costs.error_bound = None if accuracy(strategy) is Accuracy.drifts else run.read_error_bound
    if ablation and (
        strategy in ABLATION or (not strategy.builtin and costs.bytes_packed != costs.bytes_padded)
    ):
        costs.packed_update_ns.append(update_run(packed=True).ns_per_op)
    for exact_read, into in ((False, costs.cheap_read_ns), (True, costs.exact_read_ns)):
        reading = read_cost(
            strategy,
            writers=setup.writers,
            nodes=setup.nodes,
            ops=setup.ops,
            batch=setup.batch,
            exact_read=exact_read,
            counter_batch=setup.counter_batch,
            pin=setup.pin,
        )
        into.append(reading.ns_per_read)
        if not exact_read:
            costs.writer_mops.append(reading.writer_ops_per_sec / 1e6)
