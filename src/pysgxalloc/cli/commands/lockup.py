"""python -m pysgxalloc lockup: the second bug of __sgx_alloc_epc_page(), a fault worker on a
CPU-only NUMA node, reproduced with v5.13's node search and gone with the 2024 fix."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc.cli.arguments import positive_int
from pysgxalloc.cli.scenario_runs import (
    add_enclave_pages_option,
    add_stall_seconds_option,
    collect_runs,
    collect_then_print,
)
from pysgxalloc.cli.tables import lockup_table, placement_label
from pysgxalloc.cli.verdicts import lockup_verdict
from pysgxalloc.pool_shape import describe_shape
from pysgxalloc.reclaim import DEFAULTS, ReclaimResult
from pysgxalloc.soft_lockup import (
    DEFAULT_EPC_PAGES_PER_NODE,
    DEFAULT_STALL_SECONDS,
    PLACEMENTS,
    SEARCHES,
    lockup_runs,
    summarize_lockups,
)
from pysgxalloc.strategy import STRATEGIES

PROG = "pysgxalloc lockup"
DEFAULT_RUNS = 5
HELP = "reproduce the second bug: a fault worker on a CPU-only NUMA node, v5.13's node search vs the 2024 fix"


def register(subparsers: Any) -> None:
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
    add_enclave_pages_option(parser, DEFAULTS.enclave_pages)
    add_stall_seconds_option(parser, DEFAULT_STALL_SECONDS)
    parser.set_defaults(run=run)


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
    load = f"{most} workers outnumber CPUs: oversubscribed" if most > first.cpus else "workers <= CPUs"
    shape = describe_shape(first.nodes, first.pages_per_node)
    return (
        f"node 0 CPU-only, EPC on nodes 1 and 2 (pages per node {shape}); "
        f"{first.strategy.name} counter; enclave {first.enclave_pages} pages, {first.passes} passes; "
        f"up to {most} fault workers + 1 reclaimer on {first.cpus} usable CPUs ({load}); "
        f"stalled = no progress for {first.stall_seconds:g} s without the proven hang"
    )


def print_lockups(out: Console, results: Sequence[ReclaimResult], prefix: str = "") -> None:
    """The machine, the table and the one-sentence verdict."""
    groups = summarize_lockups(results)
    out.print(prefix + machine_line(results), soft_wrap=True)
    out.print(lockup_table(groups))
    out.print(lockup_verdict(groups), soft_wrap=True)


#: The options that go to `lockup_runs` under their own names.
_RUN_OPTIONS = ("strategy", "epc_pages_per_node", "enclave_pages", "stall_seconds")


def run(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in _RUN_OPTIONS}
    return collect_then_print(
        PROG,
        lambda results: run_lockups(results, args.runs, **options),
        print_lockups,
        planned=args.runs * len(PLACEMENTS) * len(SEARCHES),
    )
