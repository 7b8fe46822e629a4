"""The lockup scenarios a command repeats (lockup, the demo's second-bug section): run under a
progress bar, then printed as the machine, the table and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc.cli.scenario_runs import collect_runs
from pysgxalloc.cli.tables import lockup_table, placement_label
from pysgxalloc.cli.verdicts import lockup_verdict
from pysgxalloc.counted import counted
from pysgxalloc.pool_shape import describe_shape
from pysgxalloc.reclaim import ReclaimResult
from pysgxalloc.soft_lockup import PLACEMENTS, SEARCHES, lockup_runs, summarize_lockups


def run_lockups(results: list[ReclaimResult], runs: int, **options: Any) -> None:
    """`lockup_runs` under a progress bar, each appended to `results` as it finishes, so a
    Ctrl-C still leaves the finished ones there."""
    collect_runs(
        results,
        lockup_runs(runs, **options),
        runs * len(PLACEMENTS) * len(SEARCHES),
        "lockup scenarios",
        lambda r: f"{placement_label(r.threads)}, {r.node_search.name}: {r.outcome.name}",
    )


def machine_line(results: Sequence[ReclaimResult]) -> str:
    """The machine and the scenario every run shared."""
    first = results[0]
    most = max(r.threads for r in results)
    load = (
        f"{counted(most, 'worker')} outnumber CPUs: oversubscribed"
        if most > first.cpus
        else "workers <= CPUs"
    )
    shape = describe_shape(first.nodes, first.pages_per_node)
    pinned = " pinned" if first.pin else ""
    return (
        f"node 0 CPU-only, EPC on nodes 1 and 2 (pages per node {shape}); "
        f"{first.strategy.name} counter; enclave {counted(first.enclave_pages, 'page')}, "
        f"{counted(first.passes, 'pass', 'passes')}; up to {counted(most, 'fault worker')}{pinned} + "
        f"1 reclaimer on {counted(first.cpus, 'usable CPU')} ({load}); "
        f"stalled = no progress for {first.stall_seconds:g} s without the proven hang"
    )


def print_lockups(out: Console, results: Sequence[ReclaimResult], prefix: str = "") -> None:
    """The machine, the table and the one-sentence verdict."""
    groups = summarize_lockups(results)
    out.print(prefix + machine_line(results), soft_wrap=True)
    out.print(lockup_table(groups))
    out.print(lockup_verdict(groups), soft_wrap=True)
