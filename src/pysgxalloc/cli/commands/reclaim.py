"""python -m pysgxalloc reclaim: repeated reclaim scenarios per strategy, and how often each hung."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.arguments import positive_int, strategy_names
from pysgxalloc.cli.reclaim_report import print_scenarios, run_scenarios
from pysgxalloc.cli.scenario_runs import collect_then_print
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.reclaim_settings import ReclaimSettings
from pysgxalloc.strategy import STRATEGIES

PROG = "pysgxalloc reclaim"
DEFAULT_RUNS = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reclaim",
        help="reproduce the hang: fault workers, the reclaimer and its watermarks, per strategy",
        description="Run the reclaim scenario RUNS times per counter strategy: fault workers touch "
        "enclaves bigger than the EPC, a reclaimer (ksgxd) evicts behind them, and a run is hung only in "
        "the proven state no thread can leave (ksgxd asleep, every free list empty, every worker waiting, "
        "the wake-up test false); a run with no page touched or scanned for --stall-seconds that is "
        "not in it is "
        "stalled (starved). A drifting counter that reads >= low while every free list is empty keeps "
        "every allocation from waking the reclaimer: the 2021 hang. --seed runs the seed report's shape.",
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=positive_int,
        default=DEFAULT_RUNS,
        help=f"runs per strategy (default: {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--strategies",
        metavar="LIST",
        type=strategy_names,
        default=[s.name for s in STRATEGIES],
        help="comma-separated strategies (default: all)",
    )
    SCENARIO.add_to(parser)
    parser.add_argument(
        "--seed",
        action="store_true",
        help="the seed report's shape on the EPC of --nodes x --pages-per-node: one thread, one enclave "
        "an eighth larger than the EPC, 3 passes, the last removing every page (full size: "
        f"--pages-per-node {ReclaimSettings.SEED_FULL_PAGES_PER_NODE})",
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
    )
