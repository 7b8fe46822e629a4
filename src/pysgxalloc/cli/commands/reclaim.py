"""python -m pysgxalloc reclaim: repeated reclaim scenarios per strategy, and how often each hung."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.arguments import add_strategies_option, positive_int
from pysgxalloc.cli.reclaim_report import print_scenarios, run_scenarios
from pysgxalloc.cli.scenario_runs import collect_then_print
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.counted import counted
from pysgxalloc.reclaim_settings import ReclaimSettings

PROG = "pysgxalloc reclaim"
DEFAULT_RUNS = 10


def register(subparsers: Any) -> None:
    full = ReclaimSettings.SEED_FULL_PAGES_PER_NODE
    parser = subparsers.add_parser(
        "reclaim",
        help="reproduce the hang: fault workers, the reclaimer and its watermarks, per strategy",
        description="Run the reclaim scenario --runs times per counter strategy: fault workers touch "
        "enclaves bigger than the EPC, a reclaimer (ksgxd) evicts pages behind them, and a run is hung "
        "only in the proven state that no thread can leave (ksgxd asleep, every free list empty, every "
        "worker waiting, the wake-up test false); a run in which no page was touched or scanned for "
        "--stall-seconds, without that proof, is stalled (starved of CPU, not stuck). A drifting counter "
        "that reads at least --low while every free list is empty keeps every allocation from waking the "
        "reclaimer: the 2021 hang. --seed runs the experiment of the report that found it.",
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=positive_int,
        default=DEFAULT_RUNS,
        help=f"runs per strategy (at least 1; default: {DEFAULT_RUNS})",
    )
    add_strategies_option(parser)
    SCENARIO.add_to(parser)
    parser.add_argument(
        "--seed",
        action="store_true",
        help="the experiment of the report that found the hang, on the EPC of --nodes x --pages-per-node: "
        "one fault worker, one enclave an eighth larger than the EPC, 3 passes over it, the last "
        "removing every page; it sets --threads, --enclave-pages and --passes itself (the report's size, "
        f"{counted(full, 'page')} a node: --pages-per-node {full})",
    )
    parser.set_defaults(run=run)


#: Every setting of the scenario is an option, but the preset, which --seed names.
SCENARIO = SettingOptions.of(ReclaimSettings, leave_out=("preset",))


def run(args: argparse.Namespace) -> int:
    scenario = SCENARIO.given(args) | ({"preset": "seed"} if args.seed else {})
    return collect_then_print(
        PROG,
        lambda results: run_scenarios(results, args.strategies, args.runs, **scenario),
        print_scenarios,
        planned=args.runs * len(args.strategies),
        flags={**SCENARIO.flags(), "preset": "--seed"},
    )
