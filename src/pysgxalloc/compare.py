"""Every strategy side by side: repeated hammer runs, interleaved, summarised by median and range."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pysgxalloc._checks import as_int
from pysgxalloc.hammer import HammerResult, run_hammer
from pysgxalloc.hammer_runs import HammerRuns, summarize
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import STRATEGIES, StrategyLike, parse_strategy

#: The demo's operations per thread and run.
DEMO_OPS = 2_000_000


def compare_strategies(
    strategies: Iterable[StrategyLike] = STRATEGIES,
    *,
    settings: HammerSettings | None = None,
    repeats: int = 5,
    on_run: Callable[[HammerResult], None] | None = None,
) -> list[HammerRuns]:
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


#: `pin_by_default` in words, for help texts.
PINNED_WHERE_THREADS_FIT = "pinned where the threads do not outnumber the usable CPUs"


def pin_by_default(threads: int) -> bool:
    """Pin unless threads outnumber the usable CPUs: pinned threads race even on a busy machine,
    where the scheduler would otherwise often put both on one CPU."""
    return threads <= usable_cpus()


def demo_settings() -> HammerSettings:
    """The demo's run: `default_threads()` threads of `DEMO_OPS` operations, pinned where they fit,
    the rest hammer()'s defaults."""
    threads = default_threads()
    return HammerSettings(threads=threads, ops=DEMO_OPS, pin=pin_by_default(threads))
