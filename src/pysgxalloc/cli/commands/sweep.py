"""pysgxalloc sweep: strategies x thread counts x engines, repeated, behind a progress bar.

Writes what it measured as JSON (--json, the versioned layout of
sweep_record.py, rewritten at least once a second while it runs), CSV (--csv)
and a figure (--plot), then prints one table row per setting.
Ctrl-C stops the run in progress within a second, keeps every finished
measurement, writes the files marked incomplete and exits with 130. Every output
path is tried before the first run; one that still fails at the end costs only
itself: the table is printed, the other files written, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from pysgxalloc.cli._console import (
    print_interrupted,
    progress_bar,
    stderr_console,
    stdout_console,
)
from pysgxalloc.cli.arguments import (
    EXIT_INTERRUPTED,
    add_plot_option,
    add_strategies_option,
    engine_names,
    error_line,
    output_file,
    positive_int,
    thread_counts,
)
from pysgxalloc.cli.outputs import EXIT_WRITE_FAILED, check_outputs, write_outputs
from pysgxalloc.cli.plots import Series, plot_format, plot_series, require_matplotlib
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.cli.tables import (
    concurrency_note,
    hammer_coverage_note,
    hammer_runs_table,
    oversubscribed_note,
)
from pysgxalloc.cli.verdicts import machine_verdict
from pysgxalloc.compare import PINNED_WHERE_THREADS_FIT
from pysgxalloc.counted import counted
from pysgxalloc.hammer import check_hammer_settings, run_hammer
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.machine import load_average, usable_cpus
from pysgxalloc.output_path import Output, Writer
from pysgxalloc.sweep_record import SWEPT_SETTINGS, Measurement, RunSpec, SweepConfig, SweepRecord

HELP = "measure strategies x thread counts x engines, repeated; write JSON, CSV and a plot"
DESCRIPTION = """\
Hammer every strategy of --strategies at every thread count of --threads with every engine
of --engines, --repeats times each, then print one table row per setting. --json writes
every measurement as JSON (rewritten at least once a second while the sweep runs, so an
interrupted sweep keeps what it measured), --csv as CSV, --plot as a figure of throughput
and drift against threads. Ctrl-C stops the run in progress within a second, keeps every
finished measurement, writes the files marked incomplete and exits with 130. Every output
path is tried before the first run; one that still fails at the end costs only itself:
the table is printed, the other files written, and the exit code is 1.
"""
#: Seconds between two rewrites of --json while the sweep runs.
SAVE_INTERVAL = 1.0

EXAMPLES = """examples:
  pysgxalloc sweep --json laptop.json --plot laptop.png
  pysgxalloc sweep --threads 1,2,4,8,16,32,64 --engines all --json server.json --csv server.csv
  pysgxalloc sweep --strategies plain_node_lock,atomic --work 100 --threads 2 --repeats 20
"""


def default_thread_counts(cpus: int) -> tuple[int, ...]:
    """1, 2, 4, ... below max(2, cpus), then max(2, cpus) itself: from no contention to every CPU busy."""
    top = max(2, cpus)
    counts = [1]
    while counts[-1] * 2 < top:
        counts.append(counts[-1] * 2)
    return (*counts, top)


# Named starting points: a preset fills the options it names unless they are given.
PRESETS: dict[str, dict[str, Any]] = {
    # Where each strategy wins: every strategy at 1 .. 2 x CPUs threads, pinned, batches of
    # 64 pages (so percpu_batch's deltas fold) and 10 quiescent readings per run.
    "strategies": {
        "threads": lambda cpus: default_thread_counts(2 * cpus),
        "repeats": 5,
        "batch": 64,
        "rounds": 10,
        "pin": True,
    },
}
#: Runs of every setting where neither the command line nor a preset says.
DEFAULT_REPEATS = 3
#: Every hammer setting is an option, but the ones each run sets itself (--threads and --engines
#: list them); a setting left out keeps HammerSettings' default, or the preset's.
SHARED = SettingOptions.of(HammerSettings, leave_out=SWEPT_SETTINGS)
#: The swept settings' options, which list their values.
SWEPT_FLAGS = {"threads": "--threads", "engine": "--engines"}


def register(subparsers: Any) -> None:
    cpus = usable_cpus()
    parser = subparsers.add_parser(
        "sweep",
        help=HELP,
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_strategies_option(parser)
    counts = ",".join(map(str, default_thread_counts(cpus)))
    preset_counts = ",".join(map(str, PRESETS["strategies"]["threads"](cpus)))
    parser.add_argument(
        "--threads",
        metavar="LIST",
        type=thread_counts,
        default=None,
        help="comma-separated thread counts (default: 1, 2, 4 ... up to the usable CPUs, here "
        f"{counts}; with --preset strategies up to twice the CPUs, here {preset_counts})",
    )
    parser.add_argument(
        "--engines",
        metavar="LIST",
        type=engine_names,
        default=("native",),
        help="comma-separated engines: native, python, or all (default: native)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="start from a named setting, which the options given override; strategies: every strategy "
        "at 1 to 2 x CPUs threads, pinned, --batch 64, --rounds 10, --repeats 5",
    )
    parser.add_argument(
        "--repeats",
        metavar="N",
        type=positive_int,
        default=None,
        help=f"runs of every setting (at least 1; default: {DEFAULT_REPEATS}, or the preset's)",
    )
    SHARED.add_to(parser, auto={"pin": PINNED_WHERE_THREADS_FIT}, flags=SWEPT_FLAGS)
    parser.add_argument(
        "--json", type=output_file(), metavar="FILE", help="write every measurement here (JSON)"
    )
    parser.add_argument(
        "--csv", type=output_file(), metavar="FILE", help="write every measurement here (CSV)"
    )
    add_plot_option(parser)
    parser.set_defaults(run=run)


def _config(args: argparse.Namespace) -> SweepConfig:
    preset = PRESETS.get(args.preset or "", {})
    # A preset fills the settings the command line leaves out (but a phased run's batch, which stays
    # hundreds of pages unless --batch says otherwise).
    filled = [name for name in SHARED.names if name in preset and not (name == "batch" and args.phased)]
    shared = {name: preset[name] for name in filled} | SHARED.given(args)
    pin = shared.pop("pin", None)  # None: pin the runs whose threads fit the usable CPUs, and no others
    threads = (
        preset.get("threads", default_thread_counts)(usable_cpus()) if args.threads is None else args.threads
    )
    return SweepConfig(
        strategies=args.strategies,
        threads=threads,
        engines=args.engines,
        repeats=preset.get("repeats", DEFAULT_REPEATS) if args.repeats is None else args.repeats,
        settings=HammerSettings(**shared, pin=bool(pin)),
        pin_where_threads_fit=pin is None,
    )


def _check(config: SweepConfig) -> None:
    """Every planned run's arguments, before the first run starts."""
    try:
        for threads in config.threads:
            for engine in config.engines:
                check_hammer_settings(config.settings_for(threads, engine))
    except (TypeError, ValueError) as error:
        raise SHARED.error(error, **SWEPT_FLAGS) from None


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except (TypeError, ValueError) as error:  # more runs than a sweep may plan, a bad setting
        raise SHARED.error(error, **SWEPT_FLAGS) from None
    _check(config)
    if args.plot is not None:
        require_matplotlib()
    outputs = check_outputs({"--json": args.json, "--csv": args.csv, "--plot": args.plot})
    record = SweepRecord.start(config)
    runs = config.runs()
    notes = stderr_console()
    notes.print(
        f"sweep: {counted(len(runs), 'run')} ({counted(len(config.strategies), 'strategy', 'strategies')} x "
        f"{counted(len(config.threads), 'thread count')} x {counted(len(config.engines), 'engine')} x "
        f"{counted(config.repeats, 'repeat')}) on {record.machine.label}"
    )
    record, interrupted = _measure(record, runs, outputs.get("--json"), notes)
    record = record.finished(complete=not interrupted)
    written, failures = _write(record, outputs)

    out = stdout_console()
    groups = record.groups()
    if groups:
        pinning = (
            "pinned"
            if config.settings.pin
            else "pinned where threads <= CPUs"
            if config.pin_where_threads_fit
            else "unpinned"
        )
        out.print(
            f"{record.machine.label}: {record.machine.description}; "
            f"{counted(config.settings.ops, 'op')} per thread per run, {pinning}, "
            f"{config.settings.layout.name} layout" + (", phased:" if config.settings.phased else ":"),
            soft_wrap=True,
        )
        out.print(hammer_runs_table(groups))
        if note := hammer_coverage_note(groups):
            out.print(note, soft_wrap=True)
        if note := oversubscribed_note(groups, record.machine.cpus):
            out.print(note)
        if note := concurrency_note(groups):
            out.print(note, soft_wrap=True)
        if quiet := [g for g in groups if g.why_no_drift() is not None]:
            reasons = "; ".join(
                f"{g.setting.strategy} at {counted(g.setting.threads, 'thread')}: {g.why_no_drift()}"
                for g in quiet
            )
            out.print(f"note: no drift where it could have drifted ({reasons})", soft_wrap=True)
        out.print(machine_verdict(groups), soft_wrap=True)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    for failure in failures:
        notes.print(error_line("pysgxalloc sweep", failure, EXIT_WRITE_FAILED), markup=False, soft_wrap=True)
    if interrupted:
        print_interrupted(len(record.measurements), len(runs))
        return EXIT_INTERRUPTED
    return EXIT_WRITE_FAILED if failures else 0


def _measure(
    record: SweepRecord, runs: list[RunSpec], json_output: Output | None, notes: Console
) -> tuple[SweepRecord, bool]:
    """Every run in order, saving --json as it goes (a file only: a FIFO or a device gets the
    final record once); stops early (True) on Ctrl-C."""
    rewritten = json_output if json_output is not None and json_output.replaceable else None
    config = record.config
    saved_at = time.monotonic()
    with progress_bar(notes) as bar:
        task = bar.add_task("starting", total=len(runs))
        try:
            for spec in runs:
                bar.update(task, description=str(spec))
                load_before = load_average()
                result = run_hammer(spec.strategy, config.settings_for(spec.threads, spec.engine))
                record = record.adding(Measurement.of(result, spec.repeat, load_before, load_average()))
                bar.advance(task)
                if rewritten is not None and time.monotonic() - saved_at >= SAVE_INTERVAL:
                    saved_at = time.monotonic()
                    # A failed save costs nothing measured: the final write tries again and says why.
                    with contextlib.suppress(OSError):
                        rewritten.write(record.write_json)
        except KeyboardInterrupt:
            return record, True
    return record, False


def _write(record: SweepRecord, outputs: dict[str, Output]) -> tuple[list[Path], list[str]]:
    """Every output asked for, each on its own: the paths written and one line per failure."""
    writers: list[tuple[Output, Writer]] = []
    if "--json" in outputs:
        writers.append((outputs["--json"], record.write_json))
    if "--csv" in outputs:
        writers.append((outputs["--csv"], record.write_csv))
    if "--plot" in outputs:
        plot = outputs["--plot"]
        if record.measurements:
            ops = record.config.settings.ops
            title = f"pysgxalloc sweep on {record.machine.label}, {counted(ops, 'op')} per thread per run"
            series = [Series(record.machine.label, record.machine.cpus, record.groups())]
            writers.append((plot, lambda out: plot_series(series, out, title, plot_format(plot.path))))
        else:
            plot.close()
    return write_outputs(writers)
