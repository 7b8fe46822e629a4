"""ReclaimRuns: reclaim scenarios repeated per strategy, how often each hung (or stalled, or ran out of
memory), and the state it hung in.

`reclaim_runs` yields results one at a time (so a caller can show progress and keep
what finished when interrupted) and `summarize_reclaim` groups them per strategy; the
demo and the reclaim command print them (pysgxalloc.cli).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pysgxalloc._checks import as_int
from pysgxalloc._core import Strategy
from pysgxalloc.intervals import Interval, share_interval
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.strategy import STRATEGIES, StrategyLike, is_exact, parse_strategy


@dataclass(frozen=True, eq=False)
class ReclaimRuns:
    """Repeated reclaim scenarios of one strategy; arrays hold one entry per hung (or completed) run."""

    strategy: Strategy
    results: tuple[ReclaimResult, ...]

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def runs(self) -> int:
        return len(self.results)

    @property
    def hung(self) -> int:
        return sum(r.hung for r in self.results)

    @property
    def hung_interval(self) -> Interval | None:
        """Wilson 95% interval of the share of runs that hung; None below `RUNS_FOR_95` runs."""
        return share_interval(self.hung, self.runs)

    @property
    def stalled(self) -> int:
        """Runs that stopped making progress without the proven hang: starved, not stuck."""
        return sum(r.stalled for r in self.results)

    @property
    def out_of_memory(self) -> int:
        return sum(r.out_of_memory for r in self.results)

    @property
    def faults_before_hang(self) -> npt.NDArray[np.int64]:
        return np.array([r.faults_served for r in self.results if r.hung], dtype=np.int64)

    @property
    def drift_at_hang(self) -> npt.NDArray[np.int64]:
        return np.array([r.drift for r in self.results if r.hung], dtype=np.int64)

    @property
    def completion_seconds(self) -> npt.NDArray[np.float64]:
        return np.array([r.elapsed_seconds for r in self.results if r.completed], dtype=np.float64)

    @property
    def pages_conserved(self) -> bool:
        return all(r.pages_conserved for r in self.results)


def reclaim_runs(
    strategies: Iterable[StrategyLike] = STRATEGIES, runs: int = 10, **scenario: Any
) -> Iterator[ReclaimResult]:
    """`runs` reclaim scenarios per strategy, round-robin over the strategies (so a burst of
    noise on a shared machine hits all of them), each with `scenario`'s parameters."""
    chosen = [parse_strategy(s) for s in strategies]
    if not chosen:
        raise ValueError("strategies must name at least one strategy")
    if as_int("runs", runs) < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    for _ in range(runs):
        for strategy in chosen:
            yield reclaim_scenario(strategy, **scenario)


def summarize_reclaim(results: Iterable[ReclaimResult]) -> list[ReclaimRuns]:
    """One summary per strategy, in the order the strategies first appear."""
    grouped: dict[Strategy, list[ReclaimResult]] = {}
    for result in results:
        grouped.setdefault(result.strategy, []).append(result)
    return [ReclaimRuns(strategy, tuple(found)) for strategy, found in grouped.items()]
