"""Every strategy side by side: repeated hammer runs, interleaved, summarised by median and range."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.checks import as_int
from pysgxalloc.hammer import hammer
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import STRATEGIES, StrategyLike, accuracy, is_exact, parse_strategy

#: How the table's "exact" column names each accuracy.
ACCURACY_LABEL = {Accuracy.exact: "yes", Accuracy.bounded: "bounded", Accuracy.drifts: "no"}


@dataclass(frozen=True, eq=False)
class StrategySummary:
    """Repeated runs of one strategy at one thread count; arrays hold one entry per run."""

    strategy: Strategy
    threads: int
    cpus: int
    ops_per_sec: npt.NDArray[np.float64]
    drift: npt.NDArray[np.int64]
    exact_drift: npt.NDArray[np.int64]  #: the exact read's drift, per run

    @property
    def exact(self) -> bool:
        return is_exact(self.strategy)

    @property
    def accuracy(self) -> Accuracy:
        return accuracy(self.strategy)

    @property
    def runs(self) -> int:
        return len(self.drift)

    @property
    def runs_with_drift(self) -> int:
        return int(np.count_nonzero(self.drift))

    @property
    def oversubscribed(self) -> bool:
        return self.threads > self.cpus


def compare_strategies(
    threads: int | None = None,
    nodes: int = 2,
    pages_per_node: int = 4096,
    ops: int = 2_000_000,
    repeats: int = 5,
    strategies: Iterable[StrategyLike] = STRATEGIES,
) -> list[StrategySummary]:
    """Hammer every strategy `repeats` times at `threads` threads (default: max(2, usable CPUs)).

    Runs go round-robin over the strategies, so a burst of noise on a shared
    machine hits all of them rather than one.
    """
    chosen = [parse_strategy(s) for s in strategies]
    if not chosen:
        raise ValueError("strategies must name at least one strategy")
    if as_int("repeats", repeats) < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    cpus = usable_cpus()
    count = max(2, cpus) if threads is None else threads
    rates: dict[Strategy, list[float]] = {s: [] for s in chosen}
    drifts: dict[Strategy, list[int]] = {s: [] for s in chosen}
    exact_drifts: dict[Strategy, list[int]] = {s: [] for s in chosen}
    for _ in range(repeats):
        for strategy in chosen:
            result = hammer(strategy, threads=count, nodes=nodes, pages_per_node=pages_per_node, ops=ops)
            rates[strategy].append(result.ops_per_sec)
            drifts[strategy].append(result.drift)
            exact_drifts[strategy].append(result.exact_drift)
    return [
        StrategySummary(
            strategy=s,
            threads=count,
            cpus=cpus,
            ops_per_sec=np.array(rates[s], dtype=np.float64),
            drift=np.array(drifts[s], dtype=np.int64),
            exact_drift=np.array(exact_drifts[s], dtype=np.int64),
        )
        for s in chosen
    ]


def format_table(summaries: list[StrategySummary]) -> str:
    """A plain-text table: throughput median and range, drift median and range, per strategy."""
    header = (
        f"{'strategy':<18} {'exact':<7} {'Mops/s median':>13} {'(min - max)':>17} "
        f"{'drift median':>12} {'(min .. max)':>20}"
    )
    lines = [header, "-" * len(header)]
    for s in summaries:
        mops = s.ops_per_sec / 1e6
        spread = f"({mops.min():.1f} - {mops.max():.1f})"
        drift_range = f"({s.drift.min():+d} .. {s.drift.max():+d})"
        lines.append(
            f"{s.strategy.name:<18} {ACCURACY_LABEL[s.accuracy]:<7} {np.median(mops):>13.1f} {spread:>17} "
            f"{np.median(s.drift):>+12.0f} {drift_range:>20}"
        )
    return "\n".join(lines)


def verdict(summaries: list[StrategySummary]) -> str:
    """One plain sentence: which strategies drifted, in how many runs, and which never did.

    A bounded strategy's cheap read may be off while its exact read is right: that is its design,
    reported apart; only an exact read that drifted is a bug.
    """
    drifted = [s for s in summaries if s.runs_with_drift]
    clean = [s.strategy.name for s in summaries if not s.runs_with_drift]
    parts = [
        f"{s.strategy.name}'s cheap read was off in {s.runs_with_drift} of {s.runs} runs "
        f"(by up to {int(np.abs(s.drift).max())} pages; its exact read never)"
        if s.accuracy is Accuracy.bounded and not s.exact_drift.any()
        else f"{s.strategy.name} drifted in {s.runs_with_drift} of {s.runs} runs "
        f"(off by up to {int(np.abs(s.drift).max())} pages)"
        for s in drifted
    ]
    if clean:
        parts.append(f"{', '.join(clean)} never drifted")
    wrong = [s.strategy.name for s in drifted if s.exact]
    wrong += [s.strategy.name for s in summaries if s.accuracy is Accuracy.bounded and s.exact_drift.any()]
    sentence = "; ".join(parts) + "."
    if wrong:
        sentence += f" BUG: exact reads drifted: {', '.join(wrong)}."
    return sentence
