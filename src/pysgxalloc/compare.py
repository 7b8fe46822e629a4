"""Every strategy side by side: repeated hammer runs, interleaved, summarised by median and range."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc._checks import as_int
from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.hammer import HammerResult, HammerSettings, run_hammer
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import STRATEGIES, StrategyLike, accuracy, is_exact, parse_strategy


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


#: The demo's operations per thread and run.
DEMO_OPS = 2_000_000


def compare_strategies(
    strategies: Iterable[StrategyLike] = STRATEGIES,
    *,
    settings: HammerSettings | None = None,
    repeats: int = 5,
    on_run: Callable[[HammerResult], None] | None = None,
) -> list[StrategySummary]:
    """Hammer every strategy `repeats` times with `settings` (default: `demo_settings()`).

    Runs go round-robin over the strategies, so a burst of noise on a shared
    machine hits all of them rather than one. `on_run` sees every result as it
    arrives (for progress, or to keep what was measured if the caller is interrupted).
    Pin the threads (``settings.pin``) so that on a busy machine they still run at the same time.
    """
    chosen = [parse_strategy(s) for s in strategies]
    if not chosen:
        raise ValueError("strategies must name at least one strategy")
    if as_int("repeats", repeats) < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    run = demo_settings() if settings is None else settings
    results: list[HammerResult] = []
    for _ in range(repeats):
        for strategy in chosen:
            result = run_hammer(strategy, run)
            results.append(result)
            if on_run is not None:
                on_run(result)
    return summarize(results)


def default_threads() -> int:
    """The demo's thread count: one per usable CPU, and at least two, so that threads can race."""
    return max(2, usable_cpus())


def demo_settings() -> HammerSettings:
    """The demo's run: `default_threads()` threads of `DEMO_OPS` operations, the rest hammer()'s defaults."""
    return HammerSettings(threads=default_threads(), ops=DEMO_OPS)


def summarize(results: Iterable[HammerResult]) -> list[StrategySummary]:
    """Results grouped by strategy (in the order strategies first appear); thread count from the first run."""
    by_strategy: dict[Strategy, list[HammerResult]] = {}
    for result in results:
        by_strategy.setdefault(result.strategy, []).append(result)
    return [
        StrategySummary(
            strategy=strategy,
            threads=runs[0].threads,
            cpus=runs[0].cpus,
            ops_per_sec=np.array([r.ops_per_sec for r in runs], dtype=np.float64),
            drift=np.array([r.drift for r in runs], dtype=np.int64),
            exact_drift=np.array([r.exact_drift for r in runs], dtype=np.int64),
        )
        for strategy, runs in by_strategy.items()
    ]


def verdict(summaries: list[StrategySummary]) -> str:
    """One plain sentence: which strategies lost updates, in how many runs, and which lost none.

    A bounded strategy's cheap read may be off while its exact read is right: that is its design,
    reported apart; only an exact read that drifted is a bug.
    """
    drifted = [s for s in summaries if s.runs_with_drift]
    clean = [s.strategy.name for s in summaries if not s.runs_with_drift]
    parts = [
        f"{s.strategy.name}'s cheap read lagged in {s.runs_with_drift} of {s.runs} runs "
        f"(by up to {int(np.abs(s.drift).max()):,} pages; its exact read never)"
        if s.accuracy is Accuracy.bounded and not s.exact_drift.any()
        else f"{s.strategy.name} lost updates in {s.runs_with_drift} of {s.runs} runs "
        f"(net {int(np.abs(s.drift).sum()):,} in all, up to {int(np.abs(s.drift).max()):,} in one run)"
        for s in drifted
    ]
    if clean:
        parts.append(f"{_join(clean)} lost none")
    sentence = "; ".join(parts) + "."
    wrong = [s.strategy.name for s in drifted if s.exact]
    wrong += [s.strategy.name for s in summaries if s.accuracy is Accuracy.bounded and s.exact_drift.any()]
    if wrong:
        sentence += f" BUG: exact reads drifted: {', '.join(wrong)}."
    return sentence


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
