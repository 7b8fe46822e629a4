"""The demo (``pysgxalloc`` with no command, or ``pysgxalloc demo``): every strategy side by side here.

Prints the machine (usable CPUs, threads, oversubscribed or not), one table per
strategy (throughput median and spread, drift median and range, exact or not)
and one sentence saying what was reproduced. Sections in `EXTRA_SECTIONS` print
after it, each under its own heading.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from rich.console import Console

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.cli._console import progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, CommandError, at_least, positive_int
from pysgxalloc.cli.commands.reclaim import print_scenarios, run_scenarios
from pysgxalloc.cli.tables import STRATEGY_COLUMNS, hammer_runs_table
from pysgxalloc.cli.verdicts import verdict
from pysgxalloc.compare import compare_strategies, demo_settings
from pysgxalloc.hammer import ENGINES, HammerResult, HammerSettings, check_hammer_settings
from pysgxalloc.hammer_runs import summarize
from pysgxalloc.machine import usable_cpus
from pysgxalloc.reclaim import ReclaimResult
from pysgxalloc.strategy import STRATEGIES

#: The hang section's short version: the bug, the upstream fix, and the per-node design.
SHORT_STRATEGIES: tuple[Strategy, ...] = (Strategy.plain_node_lock, Strategy.atomic, Strategy.per_node)
SHORT_RUNS = 5

HELP = "every counter strategy hammered side by side on this machine (the default command)"
DESCRIPTION = (
    "Hammer every free-page counter strategy of the SGX EPC allocator model from many OS threads "
    "and compare throughput and drift (counter minus true free pages)."
)


@dataclass(frozen=True)
class DemoOptions:
    settings: HammerSettings  #: every run's
    repeats: int = 5
    reclaim_runs: int = SHORT_RUNS  #: reclaim scenarios per strategy in the hang section (0: none)


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
            out.print(f"interrupted; {len(results)} finished runs:")
            print_scenarios(out, results)
        raise
    print_scenarios(out, results)


#: Extra sections, in order, after the strategy table.
EXTRA_SECTIONS: list[Section] = [reclaim_section]

# flag -> argparse settings. Each option's dest is "demo_" + its DemoOptions field,
# so it never collides with another command's option of the same name.
_OPTIONS: dict[str, dict[str, Any]] = {
    "--threads": {"type": positive_int, "help": "worker threads (default: max(2, usable CPUs))"},
    "--nodes": {"type": positive_int, "help": "NUMA nodes (default: 2)"},
    "--pages-per-node": {"type": positive_int, "help": "EPC pages per node (default: 4096)"},
    "--ops": {"type": positive_int, "help": "operations per thread and run (default: 2000000)"},
    "--repeats": {"type": positive_int, "help": "runs per strategy (default: 5)"},
    "--engine": {"choices": ENGINES, "help": "who runs the threads (default: native)"},
    "--reclaim-runs": {
        "type": at_least(0),
        "help": "reclaim scenarios per strategy in the hang section (default: 5; 0 skips it)",
    },
    "--pin": {
        "action": "store_const",
        "const": True,
        "help": "pin worker i to the i-th usable CPU, so threads race even on a busy machine",
    },
}


def _field(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


def add_options(parser: argparse.ArgumentParser, default: Any = None) -> None:
    """The demo's options; `default` is None on the top-level parser and SUPPRESS on `demo`'s own."""
    for flag, settings in _OPTIONS.items():
        parser.add_argument(flag, dest=f"demo_{_field(flag)}", default=default, **settings)


def options_given(args: argparse.Namespace) -> list[str]:
    """The demo options set on the command line (before a command they would be silently ignored)."""
    return [flag for flag in _OPTIONS if getattr(args, f"demo_{_field(flag)}", None) is not None]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help=HELP, description=DESCRIPTION)
    add_options(parser, default=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def _options(args: argparse.Namespace) -> DemoOptions:
    given = {
        field: value
        for field in (_field(flag) for flag in _OPTIONS)
        if (value := getattr(args, f"demo_{field}", None)) is not None
    }
    hammer_fields = {field.name for field in fields(HammerSettings)}
    settings = replace(demo_settings(), **{k: v for k, v in given.items() if k in hammer_fields})
    return DemoOptions(settings, **{k: v for k, v in given.items() if k not in hammer_fields})


def run(args: argparse.Namespace) -> int:
    options = _options(args)
    try:
        check_hammer_settings(options.settings)
    except (TypeError, ValueError) as error:
        raise CommandError(str(error)) from None
    out = stdout_console()
    results: list[HammerResult] = []
    planned = options.repeats * len(STRATEGIES)
    interrupted = False
    with progress_bar(stderr_console()) as bar:
        task = bar.add_task("hammering", total=planned)

        def collect(result: HammerResult) -> None:
            results.append(result)
            bar.update(task, advance=1, description=f"{result.strategy.name} done")

        try:
            compare_strategies(settings=options.settings, repeats=options.repeats, on_run=collect)
        except KeyboardInterrupt:
            interrupted = True
    out.print(_header(options))
    summaries = summarize(results)
    if summaries:
        out.print(hammer_runs_table(summaries, STRATEGY_COLUMNS))
        out.print(verdict(summaries), soft_wrap=True)
    if interrupted:
        out.print(f"interrupted after {len(results)} of {planned} runs; the table shows those.")
        return EXIT_INTERRUPTED
    if quiet := [
        s.strategy.name for s in summaries if s.accuracy is Accuracy.drifts and not s.runs_with_drift
    ]:
        out.print(
            f"note: {', '.join(quiet)} can drift but did not here: the threads may seldom have run at the "
            "same time (one thread, or a busy machine?); try more threads, --pin or more --ops.",
            soft_wrap=True,
        )
    for section in EXTRA_SECTIONS:
        out.print()
        section(out, options)
    return 0


def _header(options: DemoOptions) -> str:
    cpus = usable_cpus()
    settings = options.settings
    load = "threads outnumber CPUs: oversubscribed" if settings.threads > cpus else "threads <= CPUs"
    engine = f"{settings.engine} engine" + (", pinned" if settings.pin else "")
    return (
        f"pysgxalloc: {settings.threads} threads on {settings.nodes} nodes, {cpus} usable CPUs ({load}), "
        f"{settings.ops:,} ops per thread, {options.repeats} runs per strategy, {engine}"
    )
