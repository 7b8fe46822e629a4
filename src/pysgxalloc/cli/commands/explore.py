"""python -m pysgxalloc explore STRATEGY: every interleaving of a small run, and the shortest failure."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pysgxalloc.cli.arguments import (
    EXIT_INTERRUPTED,
    CommandError,
    error_line,
    every_strategy,
    output_file,
    strategy_name,
)
from pysgxalloc.cli.outputs import EXIT_WRITE_FAILED, check_outputs, write_outputs
from pysgxalloc.cli.plots import PLOT_SUFFIXES, plot_format, require_matplotlib
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.counted import counted, counted_of
from pysgxalloc.explore import (
    ExploreInterrupted,
    ExploreResult,
    SearchSettings,
    run_explore,
    run_explore_hang,
)
from pysgxalloc.explore_settings import ExploreSettings, HangSettings
from pysgxalloc.output_path import Output, Writer
from pysgxalloc.schedule_file import SavedSchedule, ScheduleFileError
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
        "thread. With --hang, searches a reduced reclaim scenario for the hang instead. With --mode pct, "
        "makes --runs random runs with PCT's priorities instead and prints the probability bound they give "
        "for a bug of depth --depth.",
    )
    parser.add_argument(
        "strategy",
        metavar="STRATEGY",
        type=strategy_name,
        nargs="?",
        help=f"the counter strategy: {every_strategy()} (none with --replay)",
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
    parser.add_argument(
        "--save",
        type=output_file(".json"),
        metavar="FILE.json",
        help="write the failing schedule, the strategy, every setting and the package version to FILE.json, "
        "for --replay",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="FILE.json",
        help="run the schedule that --save wrote to FILE.json again and print its trace (no search; the "
        "strategy and settings are the file's)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.replay is not None:
        return _replay(args)
    if args.strategy is None:
        raise CommandError("a STRATEGY to explore is required (or --replay FILE.json)")
    strategy = parse_strategy(args.strategy)  # a name argparse has checked
    if args.plot is not None:
        require_matplotlib()
    options = HANG if args.hang else UPDATES
    try:
        settings = options.settings(args)
    except (TypeError, ValueError) as error:
        raise options.error(error) from None
    # Checked before the search, which may take hours: a path that cannot be written stops it now.
    outputs = check_outputs({"--plot": args.plot, "--save": args.save})
    plot, save = outputs.get("--plot"), outputs.get("--save")
    try:
        try:
            if isinstance(settings, HangSettings):
                result = run_explore_hang(strategy, settings)
            else:
                result = run_explore(strategy, settings)
        except ExploreInterrupted as stop:
            result = stop.result  # printed below, as far as it got; the exit code says it was stopped
    except BaseException as error:
        for output in outputs.values():
            output.close()  # a FIFO's reader sees the end now, not at exit
        if isinstance(error, TypeError | ValueError):
            raise options.error(error) from None
        raise
    print(report(result), flush=True)
    interrupted = result.stopped == "interrupted"
    failure = result.first_failure
    writes = []
    if failure is None:
        for option, output in outputs.items():
            output.close()
            print(f"{PROG}: {option}: nothing written to {output.path}: no failing schedule", file=sys.stderr)
    else:
        if plot is not None:
            from pysgxalloc.cli.trace_plot import plot_trace

            line = f"timeline written to {plot.path}"
            writes.append((plot, lambda out: plot_trace(result, out, plot_format(plot.path)), line))
        if save is not None:
            from pysgxalloc.schedule_file import SavedSchedule

            text = SavedSchedule.of(result).to_bytes()
            again = f"run it again with: {PROG} --replay {save.path}"
            writes.append(
                (save, lambda out: out.write(text), f"failing schedule written to {save.path}; {again}")
            )
    code = _write(writes)
    return EXIT_INTERRUPTED if interrupted else code


def _write(writes: Sequence[tuple[Output, Writer, str]]) -> int:
    """Each output written (write_outputs), its line printed, each failure in one line: the exit code."""
    written, failures = write_outputs([(output, writer) for output, writer, _ in writes])
    for output, _, line in writes:
        if output.path in written:
            print(line)
    for line in failures:
        print(error_line(PROG, line, EXIT_WRITE_FAILED), file=sys.stderr)
    return EXIT_WRITE_FAILED if failures else 0


def _replay(args: argparse.Namespace) -> int:
    """--replay FILE: the saved schedule run again, its trace printed."""
    others = [
        flag for flag, given in (("STRATEGY", args.strategy), ("--save", args.save)) if given is not None
    ]
    others += dict.fromkeys([*UPDATES.given_flags(args), *HANG.given_flags(args)])
    if args.hang:
        others.append("--hang")
    if others:
        raise CommandError(
            f"--replay takes its strategy and settings from the file; drop {', '.join(others)}"
        )
    try:
        saved = SavedSchedule.load(args.replay)
    except ScheduleFileError as error:
        raise CommandError(f"--replay {error}") from None
    if args.plot is not None:
        require_matplotlib()
    plot = check_outputs({"--plot": args.plot}).get("--plot")  # before the run, like every output
    try:
        run = saved.replay()
    except ValueError as error:  # settings the core refuses, or a schedule the run cannot follow
        raise CommandError(f"--replay {args.replay}: {error}") from None
    print(f"{PROG} --replay {args.replay}: {_what(saved.strategy.name, saved.settings)}")
    print(
        f"saved by pysgxalloc {saved.package_version} as {saved.outcome}; replayed: {run.outcome}, "
        f"{counted(run.preemptions, 'preemption')}, {counted(len(run.steps), 'step')}"
    )
    print("")
    print(run.text)
    if run.outcome != saved.outcome:
        print(f"the replay ended {run.outcome}, not {saved.outcome} as saved: the run is not deterministic")
        if plot is not None:
            plot.close()
        return 1
    if plot is not None:
        from pysgxalloc.cli.trace_plot import plot_run

        line = f"timeline written to {plot.path}"
        return _write(
            [(plot, lambda out: plot_run(saved.strategy.name, run, out, plot_format(plot.path)), line)]
        )
    return 0


def report(result: ExploreResult) -> str:
    """The search in a few lines, then the first failure's trace."""
    if result.pct_bound is not None:
        lines = [_header(result), *_pct_coverage(result)]
    else:
        lines = [_header(result), _coverage(result), _by_preemptions(result)]
    failure = result.first_failure
    what = "reached the hang" if result.scenario == "reclaim" else "ended with the count wrong"
    if failure is None and result.pct_bound is not None:
        lines.append(f"none of {counted(result.schedules, 'run')} {what}.")
        return "\n".join(lines)
    if failure is None:
        scope = "every schedule" if result.complete else "every schedule run"
        if result.bound_reached:
            scope += f" with at most {counted(result.bound_explored, 'preemption')}"
        if result.scenario == "reclaim":
            lines.append(f"none of {counted(result.schedules, 'schedule')} reaches the hang ({scope}).")
        else:
            lines.append(f"{scope} keeps the count exact: none of {result.schedules:,} loses an update.")
        return "\n".join(lines)
    if result.pct_bound is not None:
        lines.append(
            f"{counted_of(result.failing, result.schedules, 'run')} {what}; the first was run "
            f"{result.first_failing_run:,}."
        )
    else:
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
    return f"{PROG} {result.strategy.name}: {_what(result.strategy.name, result.settings)}"


def _what(strategy: str, settings: SearchSettings) -> str:
    """The run and the search in one line (without the command)."""
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
    if settings.mode == "pct":
        pct = f"PCT depth {settings.depth:,}, {counted(settings.runs, 'run')}, seed {settings.seed:,}"
        return f"{what}; decisions at {points}; {pct}"
    bound = (
        "no preemption bound"
        if settings.preemption_bound is None
        else f"preemption bound {settings.preemption_bound:,}"
    )
    names = {"none": "no reduction", "sleep": "sleep sets", "dpor": "DPOR"}
    shared = f", on {settings.jobs:,} OS threads" if settings.jobs > 1 else ""
    return f"{what}; decisions at {points}; {bound} ({names[reduction]}{shared})"


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


def _pct_coverage(result: ExploreResult) -> list[str]:
    """What the random runs covered, and the bound they give."""
    bound = result.pct_bound
    assert bound is not None
    k = "given" if result.settings.steps is not None else "the default schedule's, run first"
    made = result.pct_runs_made
    text = f"{counted(made, 'random run')} ({result.elapsed_seconds:.2f} s); "
    text += f"k = {counted(bound.steps, 'step')} ({k})"
    if result.stopped != "none":
        text += f"; stopped by {result.stopped} after {made:,} of {result.settings.runs:,}"
    needed = counted(bound.runs_for(0.99), "run")
    most = len(result.schedules_by_preemptions) - 1
    if most >= 0:
        text += f"; up to {counted(most, 'preemption')} a run"
    lines = [
        text,
        f"PCT bound: a bug of depth {bound.depth:,} is found with probability at least 1/(n k^(d-1)) = "
        f"{bound.formula} = {bound.per_run:.3g} per run; with 99% within {needed}; "
        f"within these {counted(made, 'run')} with at least {100 * bound.found_within(made):.1f}%",
    ]
    if result.longest_run > bound.steps:
        lines.append(
            f"warning: a run took {counted(result.longest_run, 'step')}, more than k: the bound assumes "
            f"k bounds every run; pass --steps {result.longest_run:,} or more"
        )
    return lines


def _by_preemptions(result: ExploreResult) -> str:
    counts = ", ".join(
        f"{k}: {int(n):,}" + (f" ({int(f):,} failing)" if f else "")
        for k, (n, f) in enumerate(
            zip(result.schedules_by_preemptions, result.failing_by_preemptions, strict=True)
        )
    )
    return f"schedules by preemptions: {counts}"
