"""python -m pysgxalloc explore STRATEGY: every interleaving of a small run, and the shortest failure."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.arguments import (
    EXIT_INTERRUPTED,
    every_strategy,
    output_file,
    strategy_name,
)
from pysgxalloc.cli.plots import PLOT_SUFFIXES, require_matplotlib
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.counted import counted, counted_of
from pysgxalloc.explore import ExploreResult, run_explore, run_explore_hang
from pysgxalloc.explore_settings import ExploreSettings, HangSettings
from pysgxalloc.strategy import parse_strategy

PROG = "pysgxalloc explore"
#: Every setting of a search of updates is an option, and with --hang, every one of the hang search's.
UPDATES = SettingOptions.of(ExploreSettings)
HANG = SettingOptions.of(HangSettings)


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
        "strategy", metavar="STRATEGY", type=strategy_name, help=f"the counter strategy: {every_strategy()}"
    )
    parser.add_argument(
        "--hang",
        action="store_true",
        help="search the reduced reclaim scenario for the hang instead (its sizes and watermarks scaled "
        "down with the EPC, below); --threads are then fault workers",
    )
    UPDATES.add_to(parser, variant=("with --hang", HANG))
    parser.add_argument(
        "--plot",
        type=output_file(*PLOT_SUFFIXES),
        metavar="FILE.png",
        help="draw the failing schedule as a timeline per thread, the lost update highlighted",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    strategy = parse_strategy(args.strategy)  # a name argparse has checked
    if args.plot is not None:
        require_matplotlib()
    try:
        if args.hang:
            result = run_explore_hang(strategy, HANG.settings(args))
        else:
            result = run_explore(strategy, UPDATES.settings(args))
    except (TypeError, ValueError) as error:
        raise (HANG if args.hang else UPDATES).error(error) from None
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
            scope += f" with at most {counted(result.bound_explored, 'preemption')}"
        if result.scenario == "reclaim":
            lines.append(f"none of {counted(result.schedules, 'schedule')} reaches the hang ({scope}).")
        else:
            lines.append(f"{scope} keeps the count exact: none of {result.schedules:,} loses an update.")
        return "\n".join(lines)
    lines.append(f"{counted_of(result.failing, result.schedules, 'schedule')} {what}.")
    lines.append(
        f"first failing schedule: {counted(failure.preemptions, 'preemption')}, "
        f"{counted(len(failure.steps), 'step')}; {failure.outcome}: counter {failure.counter:,}, "
        f"true free {failure.true_free:,} (drift {failure.drift:+,d})"
        + (f", should_reclaim(low) {failure.fault_wakes_reclaimer}" if result.scenario == "reclaim" else "")
    )
    lines.append("")
    lines.append(failure.text)
    lines.append("")
    lines.append("schedule (thread granted at each step; ExploreResult.replay() runs it again):")
    lines.append(" ".join(str(thread) for thread in failure.schedule))
    return "\n".join(lines)


def _header(result: ExploreResult) -> str:
    settings = result.settings
    if isinstance(settings, HangSettings):
        enclave = settings.enclave_pages or 2 * settings.nodes * settings.pages_per_node
        what = (
            f"{counted(settings.workers, 'fault worker')} + ksgxd, EPC {settings.nodes:,} x "
            f"{counted(settings.pages_per_node, 'page')}, enclave {counted(enclave, 'page')}, "
            f"low {settings.low:,}, high {settings.high:,}, scan {settings.scan:,}"
        )
        reduction = settings.reduction
        if reduction == "sleep":
            reduction = "none"  # sleep sets need the updates scenario
    else:
        pool = f"{counted(settings.nodes, 'node')} x {counted(settings.pages_per_node, 'page')}"
        what = f"{counted(settings.threads, 'thread')} x {counted(settings.ops, 'op')} on {pool}"
        reduction = settings.reduction if settings.sleep_sets else "none"
        if reduction == "sleep" and settings.preemption_bound is not None:
            reduction = "none"  # sleep sets need no bound
    points = "every shared access" if settings.points == "all" else "counter accesses"
    bound = (
        "no preemption bound"
        if settings.preemption_bound is None
        else f"preemption bound {settings.preemption_bound:,}"
    )
    names = {"none": "no reduction", "sleep": "sleep sets", "dpor": "DPOR"}
    return f"{PROG} {result.strategy.name}: {what}; decisions at {points}; {bound} ({names[reduction]})"


def _coverage(result: ExploreResult) -> str:
    extra = f", {result.pruned:,} pruned by sleep sets" if result.pruned else ""
    took = f"{counted(result.runs, 'run')}{extra}, {result.elapsed_seconds:.2f} s"
    text = f"{counted(result.schedules, 'schedule')} run to the end ({took}); "
    if result.complete:
        if result.bound_reached:
            return text + f"complete up to {counted(result.bound_explored, 'preemption')}"
        return text + "complete: every schedule"
    bound = counted(result.bound_explored, "preemption")
    done = f"; complete up to {bound}" if result.bound_explored >= 0 else ""
    return text + f"INCOMPLETE: stopped by {result.stopped}{done}"


def _by_preemptions(result: ExploreResult) -> str:
    counts = ", ".join(
        f"{k}: {int(n):,}" + (f" ({int(f):,} failing)" if f else "")
        for k, (n, f) in enumerate(
            zip(result.schedules_by_preemptions, result.failing_by_preemptions, strict=True)
        )
    )
    return f"schedules by preemptions: {counts}"
