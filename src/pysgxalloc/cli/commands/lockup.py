"""python -m pysgxalloc lockup: the second bug of __sgx_alloc_epc_page(), a fault worker on a
CPU-only NUMA node, reproduced with v5.13's node search and gone with the 2024 fix."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc.cli._console import progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, positive_int, seconds
from pysgxalloc.cli.tables import lockup_table, placement_label
from pysgxalloc.cli.verdicts import lockup_verdict
from pysgxalloc.pool_shape import describe_shape
from pysgxalloc.reclaim import DEFAULTS, ReclaimResult
from pysgxalloc.soft_lockup import (
    DEFAULT_EPC_PAGES_PER_NODE,
    DEFAULT_STALL_SECONDS,
    lockup_runs,
    summarize_lockups,
)
from pysgxalloc.strategy import STRATEGIES

PROG = "pysgxalloc lockup"
DEFAULT_RUNS = 5
HELP = "reproduce the second bug: a fault worker on a CPU-only NUMA node, v5.13's node search vs the 2024 fix"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "lockup",
        help=HELP,
        description="Run the reclaim scenario on a machine whose node 0 has CPUs but no EPC (nodes 1 and "
        "2 have it), with fault worker i on node i %% 3: first one worker per node, then node 0's worker "
        "alone; each with the v5.13 node search, which never ends for a caller outside sgx_numa_mask once "
        "every list is empty (a soft lockup, detected and reported), and with the 2024 fix, which waits "
        "for the reclaimer.",
    )
    parser.add_argument(
        "--runs",
        type=positive_int,
        default=DEFAULT_RUNS,
        help=f"runs per placement and search (default: {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--strategy",
        choices=[s.name for s in STRATEGIES],
        default="atomic",
        help="counter strategy (default: %(default)s, exact, so the counter is not the cause)",
    )
    parser.add_argument(
        "--epc-pages-per-node",
        type=positive_int,
        default=DEFAULT_EPC_PAGES_PER_NODE,
        help="EPC pages on each of nodes 1 and 2 (default: %(default)s)",
    )
    parser.add_argument(
        "--enclave-pages",
        type=positive_int,
        default=DEFAULTS.enclave_pages,
        help="enclave size in pages (default: %(default)s)",
    )
    parser.add_argument(
        "--stall-seconds",
        type=seconds,
        default=DEFAULT_STALL_SECONDS,
        help="no progress for this long means hung (default: %(default)s)",
    )
    parser.set_defaults(run=run)


def run_lockups(results: list[ReclaimResult], runs: int, **options: Any) -> None:
    """`lockup_runs` under a progress bar, each appended to `results` as it finishes, so a
    Ctrl-C still leaves the finished ones there."""
    with progress_bar(stderr_console()) as progress:
        total = runs * 4  # two placements, two searches
        task = progress.add_task("lockup scenarios", total=total)
        for result in lockup_runs(runs, **options):
            results.append(result)
            label = f"{placement_label(result.threads)}, {result.node_search.name}"
            progress.update(task, advance=1, description=f"{label}: {result.outcome.name}")


def machine_line(results: Sequence[ReclaimResult]) -> str:
    """The machine and the scenario every run shared."""
    first = results[0]
    most = max(r.threads for r in results)
    load = f"{most} workers outnumber CPUs: oversubscribed" if most > first.cpus else "workers <= CPUs"
    shape = describe_shape(first.nodes, first.pages_per_node)
    return (
        f"node 0 CPU-only, EPC on nodes 1 and 2 (pages per node {shape}); "
        f"{first.strategy.name} counter; enclave {first.enclave_pages} pages, {first.passes} passes; "
        f"up to {most} fault workers + 1 reclaimer on {first.cpus} usable CPUs ({load}); "
        f"hung = no progress for {first.stall_seconds:g} s"
    )


def print_lockups(out: Console, results: Sequence[ReclaimResult], prefix: str = "") -> None:
    """The machine, the table and the one-sentence verdict."""
    groups = summarize_lockups(results)
    out.print(prefix + machine_line(results), soft_wrap=True)
    out.print(lockup_table(groups))
    out.print(lockup_verdict(groups), soft_wrap=True)


def run(args: argparse.Namespace) -> int:
    options = {
        "strategy": args.strategy,
        "epc_pages_per_node": args.epc_pages_per_node,
        "enclave_pages": args.enclave_pages,
        "stall_seconds": args.stall_seconds,
    }
    results: list[ReclaimResult] = []
    interrupted = False
    try:
        run_lockups(results, args.runs, **options)
    except (ValueError, TypeError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupted = True
        print(f"{PROG}: interrupted; {len(results)} finished runs below", file=sys.stderr)
    if results:
        print_lockups(stdout_console(), results, prefix=f"{PROG}: ")
    return EXIT_INTERRUPTED if interrupted else 0
