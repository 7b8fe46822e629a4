"""The demo (``pysgxalloc`` with no command, or ``pysgxalloc demo``): every strategy side by side here.

Prints the machine (CPU, topology, kernel, usable CPUs, threads, oversubscribed
or not, pinned or not), one row per strategy (throughput and |drift| with 95%
intervals, the signed range, how much of the time the threads really ran), one
sentence saying what was reproduced, then phased runs of plain_node_lock (the
updates lost per million, by direction) and a measured verdict for this machine:
the throughput ranking (labelled as one) and the updates lost. Sections in
`EXTRA_SECTIONS` print after it, each under its own heading; the last is the
recommendation (update and read cost together, pysgxalloc.recommend), the one
``pysgxalloc costs`` and the docs' "Choosing a counter" page give.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console

from pysgxalloc._core import Strategy
from pysgxalloc.cli._console import print_interrupted, progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED
from pysgxalloc.cli.lockup_report import print_lockups, run_lockups
from pysgxalloc.cli.reclaim_report import print_scenarios, run_scenarios
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.cli.tables import STRATEGY_COLUMNS, concurrency_note, hammer_coverage_note, hammer_runs_table
from pysgxalloc.cli.verdicts import machine_verdict, verdict
from pysgxalloc.compare import PINNED_WHERE_THREADS_FIT, compare_strategies, demo_settings, pin_by_default
from pysgxalloc.counted import counted
from pysgxalloc.hammer import HammerResult, check_hammer_settings
from pysgxalloc.hammer_runs import HammerRuns, summarize
from pysgxalloc.hammer_settings import PHASED_BATCH, HammerSettings
from pysgxalloc.intervals import RUNS_FOR_95_RATIO
from pysgxalloc.machine import MachineInfo, load_average, usable_cpus
from pysgxalloc.reclaim import ReclaimResult
from pysgxalloc.recommend import SGX_FAULT_PATH, candidates, recommend
from pysgxalloc.settings import Setting, integer
from pysgxalloc.strategy import STRATEGIES
from pysgxalloc.strategy_costs import CostSetup, measure_once, start_costs

#: The hang section's short version: the bug, the upstream fix, and the per-node design.
SHORT_STRATEGIES: tuple[Strategy, ...] = (Strategy.plain_node_lock, Strategy.atomic, Strategy.per_node)
SHORT_RUNS = 5
#: Runs per strategy: the fewest that give the ratio of two strategies' medians a 95% interval.
DEMO_REPEATS = RUNS_FOR_95_RATIO
#: Operations per thread of each cost run behind the recommendation (a quarter of the hammer's).
RECOMMEND_OPS = 500_000

HELP = "every counter strategy hammered side by side on this machine (the default command)"
DESCRIPTION = (
    "Hammer every free-page counter strategy of the SGX EPC allocator model from many OS threads "
    "and compare throughput and drift (counter minus true free pages)."
)


@dataclass(frozen=True)
class DemoOptions:
    """What the demo runs: its hammer settings, and its own settings beside them."""

    settings: HammerSettings  #: every run's
    repeats: Setting[int, int] = integer(
        DEMO_REPEATS, low=1, core=None, help="runs per strategy (the fewest for a 95% interval of a ratio)"
    )
    reclaim_runs: Setting[int, int] = integer(
        SHORT_RUNS, low=0, core=None, help="reclaim scenarios per strategy in the hang section (0 skips it)"
    )


# One more part of the demo, printed after the strategy table: it gets the console
# and the demo's options, prints its own heading and findings, and may take a few
# seconds. Ctrl-C inside one ends the demo with exit code 130.
Section = Callable[[Console, DemoOptions], None]


def reclaim_section(out: Console, options: DemoOptions) -> None:
    """The hang the drift causes: a few reclaim scenarios of plain_node_lock, atomic and per_node."""
    if options.reclaim_runs == 0:
        return
    out.print("[bold]What the drift does: the reclaimer sleeps while user space faults forever[/bold]")
    results: list[ReclaimResult] = []
    try:
        run_scenarios(results, SHORT_STRATEGIES, options.reclaim_runs)
    except KeyboardInterrupt:
        # As the reclaim command does: the runs that finished are shown, then the demo ends (130).
        if results:
            out.print(f"interrupted; {counted(len(results), 'finished run')}:")
            print_scenarios(out, results)
        raise
    print_scenarios(out, results)


def lockup_section(out: Console, options: DemoOptions) -> None:
    """The second bug: a fault worker on a CPU-only node, v5.13's node search against the 2024 fix."""
    if options.reclaim_runs == 0:
        return
    out.print(
        "[bold]The second bug: a fault worker on a node without EPC, and a node search that never ends[/bold]"
    )
    results: list[ReclaimResult] = []
    run_lockups(results, options.reclaim_runs)
    print_lockups(out, results)


def recommendation_section(out: Console, options: DemoOptions) -> None:
    """Which counter to use here: each candidate's update and read cost, weighed together for the SGX
    fault path by the one function `pysgxalloc costs` uses too (pysgxalloc.recommend)."""
    settings = options.settings
    setup = CostSetup(
        threads=settings.threads,
        writers=max(1, settings.threads - 1),
        nodes=settings.nodes,
        ops=min(settings.ops, RECOMMEND_OPS),
        pin=settings.pin,
    )
    chosen = candidates(SGX_FAULT_PATH)
    costs = start_costs(setup, chosen)
    with progress_bar(stderr_console()) as bar:
        task = bar.add_task("update and read cost", total=options.repeats * len(costs))
        for _ in range(options.repeats):
            for one in costs:
                bar.update(task, description=f"{one.strategy.name}: update and read cost")
                measure_once(one, setup, ablation=False)
                bar.advance(task)
    out.print(
        "[bold]Which counter to use here[/bold] (update cost under contention and read cost beside a "
        f"writer, {counted(setup.ops, 'op')} per run, {'pinned' if setup.pin else 'unpinned'}; "
        "python -m pysgxalloc costs measures more)"
    )
    out.print(recommend(costs, SGX_FAULT_PATH).text(), soft_wrap=True)


#: Extra sections, in order, after the strategy table; the recommendation is the demo's last word.
EXTRA_SECTIONS: list[Section] = [reclaim_section, lockup_section, recommendation_section]

# The demo's options: a few hammer settings, at the demo's defaults, and its own. Each one's
# destination starts with "demo_", so it never collides with another command's option of the
# same name (the top-level parser has them too).
HAMMER = SettingOptions.of(
    HammerSettings,
    only=("threads", "nodes", "pages_per_node", "ops", "pin", "engine"),
    base=demo_settings(),
    prefix="demo_",
)
OWN = SettingOptions.of(DemoOptions, prefix="demo_")


def add_options(parser: argparse.ArgumentParser, default: Any = None) -> None:
    """The demo's options; `default` is None on the top-level parser and SUPPRESS on `demo`'s own."""
    HAMMER.add_to(parser, auto={"pin": PINNED_WHERE_THREADS_FIT}, default=default)
    OWN.add_to(parser, default=default)


def options_given(args: argparse.Namespace) -> list[str]:
    """The demo options set on the command line (before a command they would be silently ignored)."""
    return [*HAMMER.given_flags(args), *OWN.given_flags(args)]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help=HELP, description=DESCRIPTION)
    add_options(parser, default=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def _options(args: argparse.Namespace) -> DemoOptions:
    given = HAMMER.given(args)
    settings = replace(demo_settings(), **given)  # this machine's defaults now, not at import
    if "pin" not in given:  # pinned by default wherever the threads fit the CPUs
        settings = replace(settings, pin=pin_by_default(settings.threads))
    return OWN.settings(args, settings=settings)


def run(args: argparse.Namespace) -> int:
    options = _options(args)
    try:
        check_hammer_settings(options.settings)
    except (TypeError, ValueError) as error:
        raise HAMMER.error(error, **OWN.flags()) from None
    out = stdout_console()
    results: list[HammerResult] = []
    phased: list[HammerResult] = []
    planned = options.repeats * (len(STRATEGIES) + 1)
    interrupted = False
    load_before = load_average()
    with progress_bar(stderr_console()) as bar:
        task = bar.add_task("hammering", total=planned)

        def collect(into: list[HammerResult]) -> Callable[[HammerResult], None]:
            def one(result: HammerResult) -> None:
                into.append(result)
                bar.update(task, advance=1, description=f"{result.strategy.name} done")

            return one

        try:
            compare_strategies(settings=options.settings, repeats=options.repeats, on_run=collect(results))
            compare_strategies(
                [Strategy.plain_node_lock],
                settings=phased_settings(options.settings),
                repeats=options.repeats,
                on_run=collect(phased),
            )
        except KeyboardInterrupt:
            interrupted = True
    summaries = summarize(results)
    out.print(_header(options, summaries, load_before, load_average()), soft_wrap=True)
    if summaries:
        out.print(hammer_runs_table(summaries, STRATEGY_COLUMNS))
        if note := hammer_coverage_note(summaries):
            out.print(note, soft_wrap=True)
        out.print(verdict(summaries), soft_wrap=True)
    lost = summarize(phased)
    if lost:
        out.print()
        _print_phased(out, lost, phased)
    if summaries:
        out.print(machine_verdict([*summaries, *lost]), soft_wrap=True)
    if interrupted:
        print_interrupted(len(results) + len(phased), planned)
        return EXIT_INTERRUPTED
    if quiet := [s for s in summaries if s.why_no_drift() is not None]:
        names = ", ".join(s.strategy.name for s in quiet)
        reasons = "; ".join(f"{s.strategy.name}: {s.why_no_drift()}" for s in quiet)
        out.print(
            f"note: {names} can drift but did not here ({reasons}); try more threads, --pin or more --ops.",
            soft_wrap=True,
        )
    for section in EXTRA_SECTIONS:
        out.print()
        section(out, options)
    return 0


def phased_settings(settings: HammerSettings) -> HammerSettings:
    """The demo's phased runs: the same threads and operations, in phases of `PHASED_BATCH` pages."""
    return replace(settings, phased=True, batch=PHASED_BATCH)


def _print_phased(out: Console, lost: list[HammerRuns], results: list[HammerResult]) -> None:
    """The phased runs: every update lost, by direction, which net drift (a random walk) understates."""
    out.print(
        "[bold]Lost updates by direction[/bold] "
        f"(phased: allocate, meet, free, meet; batches of {PHASED_BATCH:,})"
    )
    out.print(hammer_runs_table(lost, STRATEGY_COLUMNS))
    if note := hammer_coverage_note(lost):
        out.print(note, soft_wrap=True)
    decrements = sorted(int(r.lost_decrements.sum()) for r in results)
    increments = sorted(int(r.lost_increments.sum()) for r in results)
    out.print(
        f"per run: decrements lost {_listed(decrements)}; increments lost {_listed(increments)}; "
        f"net |drift| {_listed(sorted(abs(r.drift) for r in results))}",
        soft_wrap=True,
    )


def _listed(values: list[int]) -> str:
    return ", ".join(f"{value:,}" for value in values)


def _header(options: DemoOptions, summaries: list[HammerRuns], load_before: float, load_after: float) -> str:
    """First line the machine and the setting; then the load and how many runs were truly concurrent."""
    cpus = usable_cpus()
    machine = MachineInfo.current()
    settings = options.settings
    load = "threads outnumber CPUs: oversubscribed" if settings.threads > cpus else "threads <= CPUs"
    engine = (
        f"{settings.engine} engine, "
        + ("pinned" if settings.pin else "unpinned")
        + f", {settings.layout.name} layout"
    )
    lines = [
        f"pysgxalloc: {machine.hostname}, {machine.description}; "
        f"{counted(settings.threads, 'thread')} on {counted(settings.nodes, 'node')}, "
        f"{counted(cpus, 'usable CPU')} ({load}), {counted(settings.ops, 'op')} per thread, "
        f"{counted(options.repeats, 'run')} per strategy, {engine}",
        f"1-minute load average {load_before:.2f} before, {load_after:.2f} after",
    ]
    if note := concurrency_note(summaries):
        lines.append(note)
    return "\n".join(lines)
