"""python -m pysgxalloc lockup: the second bug of __sgx_alloc_epc_page(), a fault worker on a
CPU-only NUMA node, reproduced with v5.13's node search and gone with the 2024 fix."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.arguments import every_strategy, positive_int, strategy_name
from pysgxalloc.cli.lockup_report import print_lockups, run_lockups
from pysgxalloc.cli.scenario_runs import collect_then_print
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.reclaim_settings import ReclaimSettings
from pysgxalloc.soft_lockup import DEFAULT_EPC_PAGES_PER_NODE, DEFAULT_STALL_SECONDS, PLACEMENTS, SEARCHES

PROG = "pysgxalloc lockup"
DEFAULT_RUNS = 5
HELP = "reproduce the second bug: a fault worker on a CPU-only NUMA node, v5.13's node search vs the 2024 fix"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lockup",
        help=HELP,
        description="Run the reclaim scenario on a machine whose node 0 has CPUs but no EPC (nodes 1 and "
        "2 have it), with fault worker i on node i % 3: first one worker per node, then node 0's worker "
        "alone; each with the v5.13 node search, which never ends for a caller on a node without EPC once "
        "every list is empty (a soft lockup, detected and reported), and with the 2024 fix, which waits "
        "for the reclaimer.",
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=positive_int,
        default=DEFAULT_RUNS,
        help=f"runs per placement and node search (at least 1; default: {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--strategy",
        metavar="STRATEGY",
        type=strategy_name,
        default="atomic",
        help=f"the counter strategy: {every_strategy()} (default: %(default)s, exact, so the counter is not "
        "the cause)",
    )
    parser.add_argument(
        "--pages-per-node",
        dest="epc_pages_per_node",
        metavar="N",
        type=positive_int,
        default=DEFAULT_EPC_PAGES_PER_NODE,
        help=f"EPC pages of each of nodes 1 and 2; node 0 has none (at least 1; default: "
        f"{DEFAULT_EPC_PAGES_PER_NODE:,})",
    )
    SCENARIO.add_to(parser)
    parser.set_defaults(run=run)


#: The reclaim settings the command takes (lockup_runs sets the machine, the placements and the
#: searches), with the stall limit lockup_runs uses.
SCENARIO = SettingOptions.of(
    ReclaimSettings,
    only=("enclave_pages", "stall_seconds", "pin"),
    base=ReclaimSettings(stall_seconds=DEFAULT_STALL_SECONDS),
)
#: The machine's page counts come from --pages-per-node, whichever name a message gives them.
_PAGES_FLAGS = {"epc_pages_per_node": "--pages-per-node", "pages_per_node": "--pages-per-node"}
#: The options that go to `lockup_runs` under their own names.
_RUN_OPTIONS = ("strategy", "epc_pages_per_node")


def run(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in _RUN_OPTIONS} | SCENARIO.given(args)
    return collect_then_print(
        PROG,
        lambda results: run_lockups(results, args.runs, **options),
        print_lockups,
        planned=args.runs * len(PLACEMENTS) * len(SEARCHES),
        flags={**SCENARIO.flags(), **_PAGES_FLAGS},
    )
