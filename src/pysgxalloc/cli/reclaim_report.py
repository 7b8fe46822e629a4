"""The reclaim scenarios a command repeats (reclaim, the demo's hang section): run under a progress
bar, then printed as the settings every run shared, the hang table and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc._core import WatermarkRead
from pysgxalloc.cli.scenario_runs import collect_runs
from pysgxalloc.cli.tables import reclaim_coverage_note, reclaim_table
from pysgxalloc.cli.verdicts import drift_walk_note, reclaim_verdict, soft_lockup_note
from pysgxalloc.counted import counted
from pysgxalloc.pool_shape import describe_shape
from pysgxalloc.reclaim import ReclaimResult
from pysgxalloc.reclaim_runs import reclaim_runs, summarize_reclaim
from pysgxalloc.reclaim_settings import DEFAULTS
from pysgxalloc.strategy import StrategyLike


def scenario_line(result: ReclaimResult) -> str:
    """The parameters every run of a table shared, with the machine beside them."""
    load = "workers outnumber CPUs: oversubscribed" if result.oversubscribed else "workers <= CPUs"
    pinned = " pinned" if result.pin else ""
    enclaves = "one shared enclave" if result.shared_enclave else "one enclave per worker"
    preset = f"preset {result.preset}: " if result.preset else ""
    removal = ", the last removing every page" if result.remove_last_pass else ""
    return (
        f"{preset}{counted(result.threads, 'fault worker')}{pinned} + 1 reclaimer on "
        f"{counted(result.cpus, 'usable CPU')} ({load}); "
        f"EPC {describe_shape(result.nodes, result.pages_per_node)} pages, "
        f"enclave {counted(result.enclave_pages, 'page')} ({enclaves}), "
        f"{counted(result.passes, 'pass', 'passes')}{removal}; low {result.low:,}, high {result.high:,}, "
        f"scan {result.scan:,}, {result.comparison.name} comparison, {result.layout.name} layout; "
        f"stalled = no progress for {result.stall_seconds:g} s without the proven hang"
        + (f"; counter started off by {result.initial_drift:+,d}" if result.initial_drift else "")
        + (f"; counter_batch {result.counter_batch:,}" if result.counter_batch is not None else "")
        + (
            f"; {result.watermark_read.name} watermark read"
            if result.watermark_read is not WatermarkRead.cheap
            else ""
        )
        + (
            f"; plain update {result.plain_update.name}"
            if result.plain_update is not DEFAULTS.plain_update
            else ""
        )
        + (f", {result.remote_fetch_ns:,} ns remote fetch" if result.remote_fetch_ns else "")
    )


def run_scenarios(
    results: list[ReclaimResult], strategies: Sequence[StrategyLike], runs: int, **scenario: Any
) -> None:
    """`runs` scenarios per strategy under a progress bar, each appended to `results` as it
    finishes, so a Ctrl-C still leaves the finished ones there."""
    collect_runs(
        results,
        reclaim_runs(strategies, runs, **scenario),
        runs * len(strategies),
        "reclaim scenarios",
        lambda result: f"{result.strategy.name}: {result.outcome.name}",
    )


def print_scenarios(out: Console, results: Sequence[ReclaimResult], prefix: str = "") -> None:
    """The scenario's settings, the hang table and the one-sentence verdict."""
    summaries = summarize_reclaim(results)
    out.print(prefix + scenario_line(results[0]), soft_wrap=True)
    out.print(reclaim_table(summaries))
    if note := reclaim_coverage_note(summaries):
        out.print(note, soft_wrap=True)
    out.print(reclaim_verdict(summaries), soft_wrap=True)
    if any(r.soft_lockup for r in results):
        out.print(soft_lockup_note(results), soft_wrap=True)
    if any(r.drift_walk is not None for r in results):
        out.print(drift_walk_note(results), soft_wrap=True)
