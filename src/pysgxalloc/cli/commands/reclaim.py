"""python -m pysgxalloc reclaim: repeated reclaim scenarios per strategy, and how often each hung."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc._core import Comparison, WatermarkRead
from pysgxalloc.cli._console import print_interrupted, progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, integer, positive_int, seconds, strategy_names
from pysgxalloc.cli.tables import reclaim_table
from pysgxalloc.cli.verdicts import reclaim_verdict
from pysgxalloc.reclaim import DEFAULTS, ReclaimResult
from pysgxalloc.reclaim_runs import reclaim_runs, summarize_reclaim
from pysgxalloc.strategy import STRATEGIES, StrategyLike

PROG = "pysgxalloc reclaim"
DEFAULT_RUNS = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reclaim",
        help="reproduce the hang: fault workers, the reclaimer and its watermarks, per strategy",
        description="Run the reclaim scenario RUNS times per counter strategy: fault workers touch an "
        "enclave bigger than the EPC, a reclaimer (ksgxd) evicts behind them, and a run is declared hung "
        "when no page touch completes for --stall-seconds. A drifting counter that reads >= low while every "
        "free list is empty keeps the faults from waking the reclaimer: the 2021 hang.",
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
        default=DEFAULTS.nodes,
        help="NUMA nodes (default: %(default)s)",
    )
    parser.add_argument(
        "--pages-per-node",
        metavar="N",
        type=positive_int,
        default=DEFAULTS.pages_per_node,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--enclave-pages",
        metavar="N",
        type=positive_int,
        default=DEFAULTS.enclave_pages,
        help="enclave size in pages (default: %(default)s)",
    )
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
    parser.add_argument(
        "--stall-seconds",
        metavar="SECONDS",
        type=seconds,
        default=DEFAULTS.stall_seconds,
        help="no progress for this long means hung (default: %(default)s)",
    )
    parser.add_argument(
        "--max-retries",
        metavar="N",
        type=integer,
        default=DEFAULTS.max_retries,
        help="one fault retried more means hung (default: %(default)s)",
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
        "--no-pin", dest="pin", action="store_false", help="let the scheduler place the fault workers"
    )
    parser.set_defaults(pin=DEFAULTS.pin, run=run)


def scenario_line(result: ReclaimResult) -> str:
    """The parameters every run of a table shared, with the machine beside them."""
    load = "workers outnumber CPUs: oversubscribed" if result.oversubscribed else "workers <= CPUs"
    pinned = " pinned" if result.pin else ""
    return (
        f"{result.threads} fault workers{pinned} + 1 reclaimer on {result.cpus} usable CPUs ({load}); "
        f"EPC {result.nodes} x {result.pages_per_node} pages, enclave {result.enclave_pages} pages, "
        f"{result.passes} passes; low {result.low}, high {result.high}, scan {result.scan}, "
        f"{result.comparison.name} comparison; hung = no progress for {result.stall_seconds:g} s"
        + (f"; counter started off by {result.initial_drift:+d}" if result.initial_drift else "")
        + (f"; counter_batch {result.counter_batch}" if result.counter_batch is not None else "")
        + (
            f"; {result.watermark_read.name} watermark read"
            if result.watermark_read is not WatermarkRead.cheap
            else ""
        )
    )


def run_scenarios(
    results: list[ReclaimResult], strategies: Sequence[StrategyLike], runs: int, **scenario: Any
) -> None:
    """`runs` scenarios per strategy under a progress bar, each appended to `results` as it
    finishes, so a Ctrl-C still leaves the finished ones there."""
    with progress_bar(stderr_console()) as progress:
        task = progress.add_task("reclaim scenarios", total=runs * len(strategies))
        for result in reclaim_runs(strategies, runs, **scenario):
            results.append(result)
            progress.update(task, advance=1, description=f"{result.strategy.name}: {result.outcome.name}")


def print_scenarios(out: Console, results: Sequence[ReclaimResult], prefix: str = "") -> None:
    """The scenario's settings, the hang table and the one-sentence verdict."""
    summaries = summarize_reclaim(results)
    out.print(prefix + scenario_line(results[0]), soft_wrap=True)
    out.print(reclaim_table(summaries))
    out.print(reclaim_verdict(summaries), soft_wrap=True)


def run(args: argparse.Namespace) -> int:
    scenario = {
        "threads": args.threads,
        "nodes": args.nodes,
        "pages_per_node": args.pages_per_node,
        "enclave_pages": args.enclave_pages,
        "passes": args.passes,
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
    }
    results: list[ReclaimResult] = []
    interrupted = False
    try:
        run_scenarios(results, args.strategies, args.runs, **scenario)
    except (ValueError, TypeError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupted = True
    if results:
        print_scenarios(stdout_console(), results, prefix=f"{PROG}: ")
    if interrupted:
        print_interrupted(len(results), args.runs * len(args.strategies))
        return EXIT_INTERRUPTED
    return 0
