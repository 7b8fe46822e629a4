"""pysgxalloc report: result files from one or more machines, side by side.

Reads what ``pysgxalloc sweep --json`` or ``--csv`` writes and the JSON that
``pytest bench/ --benchmark-json`` writes, in any mix, and prints one row per
setting (strategy, engine, work, threads) with one throughput and one drift
column per file: a 2-core laptop beside a 64-core server. The read-cost and
reclaim benchmarks get a table each. --plot draws the hammer results of all
files in one figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from pysgxalloc.cli._console import safe_cells, stderr_console, stdout_console, table, terminal_safe
from pysgxalloc.cli.arguments import CommandError, add_plot_option
from pysgxalloc.cli.outputs import EXIT_WRITE_FAILED, check_outputs, write_outputs
from pysgxalloc.cli.plots import Series, plot_format, plot_series, require_matplotlib
from pysgxalloc.cli.verdicts import machine_verdict
from pysgxalloc.counted import counted_of
from pysgxalloc.hammer_runs import HammerRuns, Setting
from pysgxalloc.result_files import ResultFile, ResultFileError, read_result_file
from pysgxalloc.strategy import STRATEGIES

HELP = "print sweep or pytest-benchmark results from one or more machines side by side"
DESCRIPTION = """\
Read what 'pysgxalloc sweep --json' or '--csv' writes and the JSON that
'pytest bench/ --benchmark-json' writes, in any mix, and print one row per
setting (strategy, engine, work, threads) with one throughput and one drift
column per file: a 2-core laptop beside a 64-core server. The read-cost and
reclaim benchmarks get a table each. --plot draws the hammer results of all
files in one figure.
"""

EXAMPLES = """examples:
  pysgxalloc report laptop.json server.json
  pysgxalloc report sweep.json .benchmarks/Linux-CPython-3.11-64bit/0001_run.json --plot both.png
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help=HELP,
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="sweep JSON or CSV, or pytest-benchmark JSON"
    )
    add_plot_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.plot is not None:
        require_matplotlib()
    plot = check_outputs({"--plot": args.plot}).get("--plot")
    try:
        files = [read_result_file(path) for path in args.files]
        if all(f.empty for f in files):
            raise CommandError("none of the files holds pysgxalloc results", exit_code=1)
    except ResultFileError as error:
        if plot is not None:
            plot.close()
        raise CommandError(str(error)) from None
    except CommandError:
        if plot is not None:
            plot.close()
        raise
    out = stdout_console()
    for index, result in enumerate(files, start=1):
        # markup=False: every word here may come from the file, and "[/x]" in a hostname is not markup.
        out.print(_describe(index, result), soft_wrap=True, markup=False)
    if any(f.groups for f in files):
        out.print(side_by_side(files))
    if any(f.read_costs for f in files):
        out.print("read cost: ns per read while the writers churn (threads = writers + the reader)")
        out.print(read_costs_side_by_side(files))
    if any(f.reclaims for f in files):
        out.print("reclaim scenario: median ms to complete (timed runs)")
        out.print(reclaims_side_by_side(files))
    if any(f.oversubscribed for f in files):
        out.print("* oversubscribed: more threads than that machine's usable CPUs")
    for index, result in enumerate(files, start=1):
        if result.groups:
            out.print(
                terminal_safe(f"[{index}] {machine_verdict(result.groups)}"), soft_wrap=True, markup=False
            )
    if plot is not None and not any(f.groups for f in files):
        plot.close()
        stderr_console().print(
            "--plot: nothing written: no file holds hammer runs to draw", markup=False, soft_wrap=True
        )
    elif plot is not None:
        # the file's name beside its machine: two files from one host must not read alike
        series = [
            Series(f"{_label(i, f)}, {f.path.name}", f.machine.cpus, f.groups, tag=f"[{i}]")
            for i, f in enumerate(files, start=1)
        ]
        title = "pysgxalloc: " + " vs ".join(s.label for s in series if s.groups)
        written, failures = write_outputs(
            [(plot, lambda out: plot_series(series, out, title, plot_format(plot.path)))]
        )
        for path in written:
            out.print(f"wrote {path}", markup=False)
        if failures:
            raise CommandError(failures[0], exit_code=EXIT_WRITE_FAILED)
    return 0


def _label(index: int, result: ResultFile) -> str:
    """Host, CPUs and file name: two files from one host stay apart (made terminal-safe)."""
    return terminal_safe(f"[{index}] {result.machine.label}, {result.path.name}")


def _describe(index: int, result: ResultFile) -> str:
    """A file's lines: every piece from the file (host, processor, time, notes naming benchmarks)
    made terminal-safe, so an escape sequence in a result file is shown, never acted on."""
    machine = result.machine
    when = f", {result.created}" if result.created else ""
    line = f"{_label(index, result)}: " + terminal_safe(f"{result.path} ({result.kind}{when})")
    details = [
        p for p in (machine.description if machine.cores else machine.processor, machine.platform) if p
    ]
    if machine.cpu_count and machine.cpu_count != machine.cpus:
        details.insert(0, f"{counted_of(machine.cpus, machine.cpu_count, 'CPU')} usable")
    if details:
        line += "\n    " + terminal_safe("; ".join(details))
    for note in result.notes:
        line += "\n    note: " + terminal_safe(note)
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
        out.add_column(f"|drift| [{index}] (runs)", justify="right")
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
                    f"{group.abs_drift_median:,.0f} ({group.runs_with_drift}/{group.runs})",
                ]
        out.add_row(*safe_cells(row))  # a strategy named "[bold]x" or "\x1b[2J" from a file stays text
    return out


def read_costs_side_by_side(files: list[ResultFile]) -> Table:
    """One row per read-cost setting found in any file; per file, ns per read and the writers' Mops/s."""
    cells = [{row.key: row for row in f.read_costs} for f in files]
    out = table()
    for name in ("strategy", "read"):
        out.add_column(name)
    out.add_column("threads", justify="right")
    for index in range(1, len(files) + 1):
        out.add_column(f"ns/read [{index}]", justify="right")
        out.add_column(f"writers Mops/s [{index}]", justify="right")
    for key in sorted({k for found in cells for k in found}, key=_strategy_first):
        strategy, read, threads = key
        row = [strategy, read, str(threads)]
        for found in cells:
            cost = found.get(key)
            star = " *" if cost is not None and cost.oversubscribed else ""
            row += (
                ["-", "-"] if cost is None else [f"{cost.ns_per_read:.2f}{star}", f"{cost.writer_mops:.1f}"]
            )
        out.add_row(*safe_cells(row))  # names from a file stay text
    return out


def reclaims_side_by_side(files: list[ResultFile]) -> Table:
    """One row per reclaim setting found in any file; per file, the median ms to complete and the runs."""
    cells = [{row.key: row for row in f.reclaims} for f in files]
    out = table()
    out.add_column("strategy")
    out.add_column("workers", justify="right")
    for index in range(1, len(files) + 1):
        out.add_column(f"ms [{index}] (runs)", justify="right")
    for key in sorted({k for found in cells for k in found}, key=_strategy_first):
        strategy, threads = key
        row = [strategy, str(threads)]
        for found in cells:
            done = found.get(key)
            star = " *" if done is not None and done.oversubscribed else ""
            row.append("-" if done is None else f"{done.elapsed_ms:.1f}{star} ({done.runs})")
        out.add_row(*safe_cells(row))  # names from a file stay text
    return out


def _strategy_first(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Known strategies in the order reports list them, then the rest of the key."""
    order = {s.name: index for index, s in enumerate(STRATEGIES)}
    return (order.get(key[0], len(order)), *key)
