"""Reclaim scenarios repeated per strategy: how often each hung, and the state it hung in.

`reclaim_runs` yields results one at a time (so a caller can show progress and keep
what finished when interrupted), `summarize_reclaim` groups them per strategy, and
`reclaim_table` / `reclaim_verdict` render the summaries. `short_reclaim_summary` is
the few-second version the demo shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rich import box
from rich.table import Table

from pysgxalloc._checks import as_int
from pysgxalloc._core import Strategy
from pysgxalloc.reclaim import ReclaimResult, reclaim_scenario
from pysgxalloc.strategy import ACCURACY_LABEL, STRATEGIES, StrategyLike, accuracy, is_exact, parse_strategy

#: The demo's short version: the bug, the upstream fix, and the per-node design.
SHORT_STRATEGIES: tuple[Strategy, ...] = (Strategy.plain_node_lock, Strategy.atomic, Strategy.per_node)
SHORT_RUNS = 5


@dataclass(frozen=True, eq=False)
class ReclaimSummary:
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


def summarize_reclaim(results: Iterable[ReclaimResult]) -> list[ReclaimSummary]:
    """One summary per strategy, in the order the strategies first appear."""
    grouped: dict[Strategy, list[ReclaimResult]] = {}
    for result in results:
        grouped.setdefault(result.strategy, []).append(result)
    return [ReclaimSummary(strategy, tuple(found)) for strategy, found in grouped.items()]


def short_reclaim_summary(runs: int = SHORT_RUNS, **scenario: Any) -> list[ReclaimSummary]:
    """The demo's version: a few default scenarios of plain_node_lock, atomic and per_node."""
    return summarize_reclaim(reclaim_runs(SHORT_STRATEGIES, runs, **scenario))


def scenario_line(result: ReclaimResult) -> str:
    """The parameters every run of a table shared, with the machine beside them."""
    load = "workers outnumber CPUs: oversubscribed" if result.oversubscribed else "workers <= CPUs"
    pinned = " pinned" if result.pin else ""
    return (
        f"{result.threads} fault workers{pinned} + 1 reclaimer on {result.cpus} usable CPUs ({load}); "
        f"EPC {result.nodes} x {result.pages_per_node} pages, enclave {result.enclave_pages} pages, "
        f"{result.passes} passes; low {result.low}, high {result.high}, scan {result.scan}, "
        f"{result.comparison.name} comparison; hung = no progress for {result.stall_seconds:g} s"
        + (f"; counter started off by {result.initial_drift:+d}" if result.initial_drift else "")
    )


def _median(values: npt.NDArray[Any], fmt: str) -> str:
    return format(float(np.median(values)), fmt) if len(values) else "-"


def reclaim_table(summaries: Sequence[ReclaimSummary]) -> Table:
    """Per strategy: runs, how many hung, the median faults served before the hang, the drift
    the hung runs ended with, and how long the completed runs took."""
    table = Table(
        title="Reclaim scenario: does the run hang?",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        show_edge=False,
    )
    table.add_column("strategy", no_wrap=True)
    table.add_column("exact")
    table.add_column("hung/\nruns", justify="right", no_wrap=True)
    table.add_column("faults\nbefore\nhang\n(median)", justify="right")
    table.add_column("drift\nat hang\n(median)", justify="right")
    table.add_column("\n\n\n(min .. max)", justify="right", no_wrap=True)
    table.add_column("ms to\ncomplete\n(median)", justify="right")
    for s in summaries:
        drift = s.drift_at_hang
        spread = f"({drift.min():+d} .. {drift.max():+d})" if len(drift) else ""
        table.add_row(
            s.strategy.name,
            ACCURACY_LABEL[accuracy(s.strategy)],
            f"{s.hung}/{s.runs}",
            _median(s.faults_before_hang, ",.0f"),
            _median(drift, "+.0f"),
            spread,
            _median(s.completion_seconds * 1e3, ".1f"),
        )
    return table


def reclaim_verdict(summaries: Sequence[ReclaimSummary]) -> str:
    """One plain sentence: which strategies hung, in how many runs, and which never did."""
    parts = [
        f"{s.strategy.name} hung in {s.hung} of {s.runs} runs (counter off by "
        f"{int(s.drift_at_hang.min()):+d} .. {int(s.drift_at_hang.max()):+d} at the hang)"
        for s in summaries
        if s.hung
    ]
    never = [s.strategy.name for s in summaries if not s.hung]
    if never:
        parts.append(f"{', '.join(never)} never hung")
    sentence = "; ".join(parts) + "."
    # with an injected drift an exact strategy is meant to hang; without one it never may
    wrong = [
        s.strategy.name
        for s in summaries
        if s.exact and any(r.hung and not r.initial_drift for r in s.results)
    ]
    if wrong:
        sentence += f" BUG: exact strategies hung: {', '.join(wrong)}."
    return sentence
