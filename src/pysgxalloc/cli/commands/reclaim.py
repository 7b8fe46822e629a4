"""python -m pysgxalloc reclaim: repeated reclaim scenarios per strategy, and how often each hung."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc._core import Comparison, NodeSearch, PlainUpdate, WatermarkRead
from pysgxalloc.cli.arguments import integer, pages_per_node, positive_int, seconds, strategy_names
from pysgxalloc.cli.scenario_runs import (
    add_enclave_pages_option,
    add_stall_seconds_option,
    collect_runs,
    collect_then_print,
)
from pysgxalloc.cli.tables import reclaim_coverage_note, reclaim_table
from pysgxalloc.cli.verdicts import drift_walk_note, reclaim_verdict, soft_lockup_note
from pysgxalloc.pool_shape import describe_shape
from pysgxalloc.reclaim import DEFAULTS, SEED_FULL_PAGES_PER_NODE, ReclaimResult
from pysgxalloc.reclaim_runs import reclaim_runs, summarize_reclaim
from pysgxalloc.strategy import STRATEGIES, StrategyLike

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
    parser.add_argument(
        "--threads",
        metavar="N",
        type=positive_int,
        default=DEFAULTS.threads,
        help="fault workers (default: %(default)s)",
    )
    parser.add_argument(
        "--nodes",
        metavar="N",
        type=positive_int,
        default=None,
        help=f"NUMA nodes (default: {DEFAULTS.nodes}, or as many as --pages-per-node lists)",
    )
    parser.add_argument(
        "--pages-per-node",
        metavar="N[,N...]",
        type=pages_per_node,
        default=DEFAULTS.pages_per_node,
        help="EPC pages of every node, or one count per node such as 4096,4096,0 (0: a CPU-only node; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--node-search",
        choices=[s.name for s in NodeSearch],
        default=NodeSearch.fixed_2024.name,
        help="how a fault worker on a CPU-only node searches the nodes with EPC: v5.13's, which never "
        "ends once every list is empty, or the 2024 fix (default: %(default)s)",
    )
    add_enclave_pages_option(parser, DEFAULTS.enclave_pages)
    parser.add_argument(
        "--passes",
        metavar="N",
        type=positive_int,
        default=DEFAULTS.passes,
        help="passes over each worker's share (default: %(default)s)",
    )
    parser.add_argument(
        "--low",
        metavar="PAGES",
        type=integer,
        default=DEFAULTS.low,
        help="low watermark (default: %(default)s)",
    )
    parser.add_argument(
        "--high",
        metavar="PAGES",
        type=integer,
        default=DEFAULTS.high,
        help="high watermark (default: %(default)s)",
    )
    parser.add_argument(
        "--scan",
        metavar="PAGES",
        type=integer,
        default=DEFAULTS.scan,
        help="pages per reclaim batch (default: %(default)s)",
    )
    parser.add_argument(
        "--comparison",
        choices=[c.name for c in Comparison],
        default=DEFAULTS.comparison.name,
        help="how should_reclaim compares the count (default: %(default)s, as the kernel)",
    )
    parser.add_argument(
        "--initial-drift",
        metavar="PAGES",
        type=integer,
        default=DEFAULTS.initial_drift,
        help="start the counter off by this much",
    )
    add_stall_seconds_option(parser, DEFAULTS.stall_seconds)
    parser.add_argument(
        "--max-retries",
        metavar="N",
        type=integer,
        default=DEFAULTS.max_retries,
        help="one fault retried more ends the run: hung if proven, else stalled (default: %(default)s)",
    )
    parser.add_argument(
        "--counter-batch",
        metavar="N",
        type=positive_int,
        default=None,
        help="percpu_batch's batch (default: max(32, 2 x usable CPUs))",
    )
    parser.add_argument(
        "--watermark-read",
        choices=[r.name for r in WatermarkRead],
        default=WatermarkRead.cheap.name,
        help="the read the watermark checks compare: cheap (the kernel's), or exact_near_watermark "
        "(the exact read within the cheap read's error bound of a watermark, as "
        "__percpu_counter_compare does) (default: %(default)s)",
    )
    parser.add_argument(
        "--plain-update",
        choices=[u.name for u in PlainUpdate],
        default=DEFAULTS.plain_update.name,
        help="the plain strategies' update: in_place, the one instruction gcc makes of the kernel's "
        "--, or load_store, a load then a store (default: %(default)s)",
    )
    parser.add_argument(
        "--remote-fetch-ns",
        metavar="NS",
        type=integer,
        default=DEFAULTS.remote_fetch_ns,
        help="with --plain-update load_store: a wait this long between the load and the store, the "
        "remote cache-line fetch of a two-socket machine (default: %(default)s)",
    )
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false", help="let the scheduler place the fault workers"
    )
    parser.add_argument(
        "--shared-enclave",
        action="store_true",
        help="one enclave (one lock) for every worker, so their faults are serialised (default: one each)",
    )
    parser.add_argument(
        "--seed",
        action="store_true",
        help="the seed report's shape on the EPC of --nodes x --pages-per-node: one thread, one enclave "
        "an eighth larger than the EPC, 3 passes, the last removing every page (full size: "
        f"--pages-per-node {SEED_FULL_PAGES_PER_NODE})",
    )
    parser.add_argument(
        "--walk",
        metavar="SECONDS",
        type=seconds,
        default=0.0,
        help="sample the drift (count - free pages, every node lock held) this often in every run, and "
        "say after the table when and how far it walked from zero (e.g. 0.01; default: no walk)",
    )
    parser.set_defaults(pin=DEFAULTS.pin, shared_enclave=DEFAULTS.shared_enclave, run=run)


def scenario_line(result: ReclaimResult) -> str:
    """The parameters every run of a table shared, with the machine beside them."""
    load = "workers outnumber CPUs: oversubscribed" if result.oversubscribed else "workers <= CPUs"
    pinned = " pinned" if result.pin else ""
    enclaves = "one shared enclave" if result.shared_enclave else "one enclave per worker"
    preset = f"preset {result.preset}: " if result.preset else ""
    removal = ", the last removing every page" if result.remove_last_pass else ""
    return (
        f"{preset}{result.threads} fault workers{pinned} + 1 reclaimer on {result.cpus} usable CPUs "
        f"({load}); EPC {describe_shape(result.nodes, result.pages_per_node)} pages, "
        f"enclave {result.enclave_pages} pages ({enclaves}), "
        f"{result.passes} passes{removal}; low {result.low}, high {result.high}, scan {result.scan}, "
        f"{result.comparison.name} comparison; stalled = no progress for {result.stall_seconds:g} s "
        "without the proven hang"
        + (f"; counter started off by {result.initial_drift:+d}" if result.initial_drift else "")
        + (f"; counter_batch {result.counter_batch}" if result.counter_batch is not None else "")
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
        + (f", {result.remote_fetch_ns} ns remote fetch" if result.remote_fetch_ns else "")
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


def run(args: argparse.Namespace) -> int:
    scenario: dict[str, Any] = {
        "threads": args.threads,
        "pages_per_node": args.pages_per_node,
        "node_search": args.node_search,
        "enclave_pages": args.enclave_pages,
        "passes": args.passes,
        "shared_enclave": args.shared_enclave,
        "low": args.low,
        "high": args.high,
        "scan": args.scan,
        "comparison": args.comparison,
        "initial_drift": args.initial_drift,
        "stall_seconds": args.stall_seconds,
        "max_retries": args.max_retries,
        "pin": args.pin,
        "counter_batch": args.counter_batch,
        "watermark_read": WatermarkRead[args.watermark_read],
        "plain_update": args.plain_update,
        "remote_fetch_ns": args.remote_fetch_ns,
        "walk_interval_seconds": args.walk,
    }
    if args.nodes is not None:  # else as many as --pages-per-node lists, or the default
        scenario["nodes"] = args.nodes
    if args.seed:
        scenario["preset"] = "seed"
    return collect_then_print(
        PROG,
        lambda results: run_scenarios(results, args.strategies, args.runs, **scenario),
        print_scenarios,
        planned=args.runs * len(args.strategies),
    )
