"""pysgxalloc report: result files from one or more machines, side by side.

Reads the JSON that ``pysgxalloc sweep --json`` writes and the JSON that
``pytest bench/ --benchmark-json`` writes, in any mix, and prints one row per
setting (strategy, engine, work, threads) with one throughput and one drift
column per file: a 2-core laptop beside a 64-core server. --plot draws them
all in one figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from pysgxalloc.cli._console import stdout_console, table
from pysgxalloc.cli.arguments import CommandError, add_plot_option
from pysgxalloc.cli.outputs import EXIT_WRITE_FAILED, check_outputs, write_outputs
from pysgxalloc.cli.plots import Series, plot_series, require_matplotlib
from pysgxalloc.hammer_runs import HammerRuns, Setting
from pysgxalloc.result_files import ResultFile, ResultFileError, read_result_file

HELP = "print sweep or pytest-benchmark results from one or more machines side by side"

EXAMPLES = """examples:
  pysgxalloc report laptop.json server.json
  pysgxalloc report sweep.json .benchmarks/Linux-CPython-3.11-64bit/0001_run.json --plot both.png
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help=HELP,
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE.json", help="sweep or pytest-benchmark JSON"
    )
    add_plot_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.plot is not None:
        require_matplotlib()
    check_outputs({"--plot": args.plot})
    try:
        files = [read_result_file(path) for path in args.files]
    except ResultFileError as error:
        raise CommandError(str(error)) from None
    if not any(f.groups for f in files):
        raise CommandError("none of the files holds hammer results", exit_code=1)
    out = stdout_console()
    for index, result in enumerate(files, start=1):
        # markup=False: every word here may come from the file, and "[/x]" in a hostname is not markup.
        out.print(_describe(index, result), soft_wrap=True, markup=False)
    out.print(side_by_side(files))
    if any(g.oversubscribed for f in files for g in f.groups):
        out.print("* oversubscribed: more threads than that machine's usable CPUs")
    if args.plot is not None:
        series = [Series(_label(i, f), f.machine.cpus, f.groups) for i, f in enumerate(files, start=1)]
        title = "pysgxalloc: " + " vs ".join(s.label for s in series)
        written, failures = write_outputs({args.plot: lambda path: plot_series(series, path, title)})
        for path in written:
            out.print(f"wrote {path}", markup=False)
        if failures:
            raise CommandError(failures[0], exit_code=EXIT_WRITE_FAILED)
    return 0


def _label(index: int, result: ResultFile) -> str:
    return f"[{index}] {result.machine.label}"


def _describe(index: int, result: ResultFile) -> str:
    machine = result.machine
    when = f", {result.created}" if result.created else ""
    line = f"{_label(index, result)}: {result.path} ({result.kind}{when})"
    details = [p for p in (machine.processor, machine.platform) if p]
    if machine.cpu_count and machine.cpu_count != machine.cpus:
        details.insert(0, f"{machine.cpus} of {machine.cpu_count} CPUs usable")
    if details:
        line += "\n    " + "; ".join(details)
    for note in result.notes:
        line += f"\n    note: {note}"
    return line


def side_by_side(files: list[ResultFile]) -> Table:
    """One row per setting found in any file; per file, throughput and drift (or - where it has none)."""
    cells: list[dict[Setting, HammerRuns]] = [{g.setting: g for g in f.groups} for f in files]
    settings = sorted({s for found in cells for s in found}, key=Setting.sort_key)
    show_work = any(s.work for s in settings)
    out = table()
    out.add_column("strategy")
    out.add_column("engine")
    if show_work:
        out.add_column("work", justify="right")
    out.add_column("threads", justify="right")
    for index in range(1, len(files) + 1):
        out.add_column(f"Mops/s [{index}]", justify="right")
        out.add_column(f"drift [{index}] (runs)", justify="right")
    for setting in settings:
        row = [
            setting.strategy,
            setting.engine,
            *([str(setting.work)] if show_work else []),
            str(setting.threads),
        ]
        for found in cells:
            group = found.get(setting)
            if group is None:
                row += ["-", "-"]
            else:
                star = " *" if group.oversubscribed else ""
                row += [
                    f"{group.mops_median:.1f}{star}",
                    f"{group.drift_median:+.0f} ({group.runs_with_drift}/{group.runs})",
                ]
        out.add_row(*(Text(cell) for cell in row))  # Text: a strategy named "[bold]x" from a file stays text
    return out
