"""python -m pysgxalloc reclaim: repeated reclaim scenarios per strategy, and how often each hung."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from pysgxalloc._core import Comparison
from pysgxalloc.cli._console import progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, integer, positive_int, seconds, strategy_names
from pysgxalloc.cli.tables import reclaim_table
from pysgxalloc.cli.verdicts import reclaim_verdict
from pysgxalloc.reclaim import DEFAULTS, SEED_FULL_PAGES_PER_NODE, ReclaimResult
from pysgxalloc.reclaim_runs import reclaim_runs, summarize_reclaim
from pysgxalloc.strategy import STRATEGIES, StrategyLike

PROG = "pysgxalloc reclaim"
DEFAULT_RUNS = 10


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        "--runs", type=positive_int, default=DEFAULT_RUNS, help=f"runs per strategy (default: {DEFAULT_RUNS})"
    )
    parser.add_argument(
        "--strategies",
        type=strategy_names,
        default=[s.name for s in STRATEGIES],
        help="comma-separated strategies (default: all)",
    )
    parser.add_argument(
        "--threads", type=positive_int, default=DEFAULTS.threads, help="fault workers (default: %(default)s)"
    )
    parser.add_argument(
        "--nodes", type=positive_int, default=DEFAULTS.nodes, help="NUMA nodes (default: %(default)s)"
    )
    parser.add_argument(
        "--pages-per-node", type=positive_int, default=DEFAULTS.pages_per_node, help="default: %(default)s"
    )
    parser.add_argument(
        "--enclave-pages",
        type=positive_int,
        default=DEFAULTS.enclave_pages,
        help="enclave size in pages (default: %(default)s)",
    )
    parser.add_argument(
        "--passes",
        type=positive_int,
        default=DEFAULTS.passes,
        help="passes over each worker's share (default: %(default)s)",
    )
    parser.add_argument(
        "--low", type=integer, default=DEFAULTS.low, help="low watermark (default: %(default)s)"
    )
    parser.add_argument(
        "--high", type=integer, default=DEFAULTS.high, help="high watermark (default: %(default)s)"
    )
    parser.add_argument(
        "--scan", type=integer, default=DEFAULTS.scan, help="pages per reclaim batch (default: %(default)s)"
    )
    parser.add_argument(
        "--comparison",
        choices=[c.name for c in Comparison],
        default=DEFAULTS.comparison.name,
        help="how should_reclaim compares the count (default: %(default)s, as the kernel)",
    )
    parser.add_argument(
        "--initial-drift",
        type=integer,
        default=DEFAULTS.initial_drift,
        help="start the counter off by this much",
    )
    parser.add_argument(
        "--stall-seconds",
        type=seconds,
        default=DEFAULTS.stall_seconds,
        help="no progress for this long, without the proven hang, means stalled (default: %(default)s)",
    )
    parser.add_argument(
        "--max-retries",
        type=integer,
        default=DEFAULTS.max_retries,
        help="one fault retried more ends the run: hung if proven, else stalled (default: %(default)s)",
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
        f"({load}); EPC {result.nodes} x {result.pages_per_node} pages, "
        f"enclave {result.enclave_pages} pages ({enclaves}), "
        f"{result.passes} passes{removal}; low {result.low}, high {result.high}, scan {result.scan}, "
        f"{result.comparison.name} comparison; stalled = no progress for {result.stall_seconds:g} s "
        "without the proven hang"
        + (f"; counter started off by {result.initial_drift:+d}" if result.initial_drift else "")
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
    scenario: dict[str, Any] = {
        "threads": args.threads,
        "nodes": args.nodes,
        "pages_per_node": args.pages_per_node,
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
    }
    if args.seed:
        scenario["preset"] = "seed"
    results: list[ReclaimResult] = []
    interrupted = False
    try:
        run_scenarios(results, args.strategies, args.runs, **scenario)
    except (ValueError, TypeError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupted = True
        print(f"{PROG}: interrupted; {len(results)} finished runs below", file=sys.stderr)
    if results:
        print_scenarios(stdout_console(), results, prefix=f"{PROG}: ")
    return EXIT_INTERRUPTED if interrupted else 0
