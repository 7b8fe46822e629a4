"""python -m pysgxalloc explore STRATEGY: every interleaving of a small run, and the shortest failure."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.arguments import (
    EXIT_INTERRUPTED,
    CommandError,
    at_least,
    output_file,
    positive_int,
    seconds,
)
from pysgxalloc.cli.plots import PLOT_SUFFIXES, require_matplotlib
from pysgxalloc.explore import ExploreResult, explore, explore_hang
from pysgxalloc.strategy import STRATEGIES, parse_strategy

PROG = "pysgxalloc explore"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="run every interleaving of a small run and print the shortest failing schedule",
        description="Run the real pool and counter code under a deterministic scheduler that lets one "
        "thread move at a time, at every shared access, and enumerate the schedules (all of them, or all "
        "with at most --preemption-bound preemptions). Prints how many ended with the count wrong and the "
        "first failing schedule with the fewest preemptions, then the fewest steps, as one column per "
        "thread. With --hang, searches a reduced reclaim scenario for the hang instead.",
    )
    parser.add_argument(
        "strategy",
        metavar="STRATEGY",
        help=f"the counter strategy: {', '.join(s.name for s in STRATEGIES)}",
    )
    parser.add_argument(
        "--hang",
        action="store_true",
        help="search the reduced reclaim scenario (2 nodes x 4 pages, watermarks 2/4, scan 1, an enclave "
        "twice the EPC) for the hang; --threads are then fault workers",
    )
    parser.add_argument("--threads", type=positive_int, default=2, help="threads (default: %(default)s)")
    parser.add_argument(
        "--ops",
        type=positive_int,
        default=2,
        help="operations per thread: alloc, free, ... (default: %(default)s)",
    )
    parser.add_argument("--nodes", type=positive_int, default=2, help="NUMA nodes (default: %(default)s)")
    parser.add_argument(
        "--pages-per-node", type=positive_int, help="pages per node (default: 2, or 4 with --hang)"
    )
    parser.add_argument(
        "--points",
        choices=("all", "counter"),
        default="all",
        help="which accesses are scheduling decisions: every shared access, or counter accesses only "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--preemption-bound",
        type=at_least(0),
        metavar="K",
        help="explore every schedule with at most K preemptions (default: no bound, or 1 with --hang)",
    )
    parser.add_argument(
        "--max-schedules", type=positive_int, default=100_000, help="runs at most (default: %(default)s)"
    )
    parser.add_argument(
        "--time-limit", type=seconds, default=60.0, help="seconds of searching at most (default: %(default)s)"
    )
    parser.add_argument(
        "--plot",
        type=output_file(*PLOT_SUFFIXES),
        metavar="FILE.png",
        help="draw the failing schedule as a timeline per thread, the lost update highlighted",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        strategy = parse_strategy(args.strategy)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.plot is not None:
        require_matplotlib()
    try:
        if args.hang:
            result = explore_hang(
                strategy,
                workers=args.threads,
                nodes=args.nodes,
                pages_per_node=args.pages_per_node or 4,
                points=args.points,
                preemption_bound=1 if args.preemption_bound is None else args.preemption_bound,
                max_schedules=args.max_schedules,
                time_limit=args.time_limit,
            )
        else:
            result = explore(
                strategy,
                threads=args.threads,
                ops=args.ops,
                nodes=args.nodes,
                pages_per_node=args.pages_per_node or 2,
                points=args.points,
                preemption_bound=args.preemption_bound,
                max_schedules=args.max_schedules,
                time_limit=args.time_limit,
            )
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(report(result))
    if args.plot is not None and result.first_failure is not None:
        from pysgxalloc.cli.trace_plot import plot_trace

        plot_trace(result, args.plot)
        print(f"timeline written to {args.plot}")
    return EXIT_INTERRUPTED if result.stopped == "interrupted" else 0


def report(result: ExploreResult) -> str:
    """The search in a few lines, then the first failure's trace."""
    lines = [_header(result), _coverage(result), _by_preemptions(result)]
    failure = result.first_failure
    what = "reached the hang" if result.scenario == "reclaim" else "ended with the count wrong"
    if failure is None:
        scope = "every schedule" if result.complete else "every schedule run"
        if result.bound_reached:
            scope += f" with at most {result.bound_explored} preemption(s)"
        if result.scenario == "reclaim":
            lines.append(f"none of {result.schedules:,} schedules reaches the hang ({scope}).")
        else:
            lines.append(f"{scope} keeps the count exact: none of {result.schedules:,} loses an update.")
        return "\n".join(lines)
    lines.append(f"{result.failing:,} of {result.schedules:,} schedules {what}.")
    lines.append(
        f"first failing schedule: {failure.preemptions} preemption(s), {len(failure.steps)} steps; "
        f"{failure.outcome}: counter {failure.counter}, true free {failure.true_free} "
        f"(drift {failure.drift:+d})"
        + (f", should_reclaim(low) {failure.fault_wakes_reclaimer}" if result.scenario == "reclaim" else "")
    )
    lines.append("")
    lines.append(failure.text)
    lines.append("")
    lines.append("schedule (thread granted at each step; ExploreResult.replay() runs it again):")
    lines.append(" ".join(str(thread) for thread in failure.schedule))
    return "\n".join(lines)


def _header(result: ExploreResult) -> str:
    config = result._config
    if result.scenario == "reclaim":
        what = (
            f"{config.threads} fault workers + ksgxd, EPC {config.nodes} x {config.pages_per_node} pages, "
            f"enclave {config.enclave_pages or 2 * config.nodes * config.pages_per_node} pages, "
            f"low {config.low}, high {config.high}, scan {config.scan}"
        )
    else:
        pool = f"{config.nodes} nodes x {config.pages_per_node} pages"
        what = f"{config.threads} threads x {config.ops} ops on {pool}"
    points = "every shared access" if config.points.name == "all" else "counter accesses"
    bound = (
        "no preemption bound"
        + (" (sleep sets)" if config.sleep_sets and result.scenario == "updates" else "")
        if result.preemption_bound is None
        else f"preemption bound {result.preemption_bound}"
    )
    return f"{PROG} {result.strategy.name}: {what}; decisions at {points}; {bound}"


def _coverage(result: ExploreResult) -> str:
    extra = f", {result.pruned:,} pruned by sleep sets" if result.pruned else ""
    took = f"{result.runs:,} runs{extra}, {result.elapsed_seconds:.2f} s"
    text = f"{result.schedules:,} schedules run to the end ({took}); "
    if result.complete:
        if result.bound_reached:
            return text + f"complete up to {result.bound_explored} preemption(s)"
        return text + "complete: every schedule"
    done = f"; complete up to {result.bound_explored} preemption(s)" if result.bound_explored >= 0 else ""
    return text + f"INCOMPLETE: stopped by {result.stopped}{done}"


def _by_preemptions(result: ExploreResult) -> str:
    counts = ", ".join(
        f"{k}: {int(n):,}" + (f" ({int(f):,} failing)" if f else "")
        for k, (n, f) in enumerate(
            zip(result.schedules_by_preemptions, result.failing_by_preemptions, strict=True)
        )
    )
    return f"schedules by preemptions: {counts}"
