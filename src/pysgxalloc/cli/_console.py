"""How the commands print: rich consoles, progress bars and the figures' formats, in one place."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich import box
from rich.console import Console, JustifyMethod
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pysgxalloc._core import Strategy
from pysgxalloc.run_group import RunGroup
from pysgxalloc.strategy import ACCURACY_LABEL, accuracy

#: Width when stdout is a file or a pipe: wide enough that no table wraps in a log or a bug report.
_PIPE_WIDTH = 160


def stdout_console() -> Console:
    """Tables and results: stdout, no colour guessing on numbers, and no wrapping when piped."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else _PIPE_WIDTH)


def stderr_console() -> Console:
    """Progress and notes: stderr, so stdout stays the results alone."""
    return Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _PIPE_WIDTH)


def progress_bar(console: Console) -> Progress:
    """A progress bar that disappears when done; shown only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def table() -> Table:
    """The project's table style: plain rules that paste cleanly into a bug report."""
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def mops(group: RunGroup) -> str:
    return f"{group.mops_median:.1f}"


def mops_spread(group: RunGroup) -> str:
    return f"{group.mops_min:.1f} - {group.mops_max:.1f}"


def drift_range(group: RunGroup) -> str:
    return f"{int(group.drift.min()):+d} .. {int(group.drift.max()):+d}"


def threads_cell(group: RunGroup) -> str:
    """Thread count, starred when oversubscribed (see `oversubscribed_note`)."""
    return f"{group.setting.threads}{' *' if group.oversubscribed else ''}"


def exact_cell(strategy: str, exact: bool | None) -> str:
    """The "exact" column: the strategy's accuracy when this version knows it, else what the file said."""
    if strategy in Strategy.__members__:
        return ACCURACY_LABEL[accuracy(strategy)]
    return "?" if exact is None else "yes" if exact else "no"


def oversubscribed_note(groups: Sequence[RunGroup], cpus: int) -> str | None:
    if not any(g.oversubscribed for g in groups):
        return None
    return (
        f"* oversubscribed: more threads than the {cpus} usable CPUs; spinning lock waiters then "
        "measure the scheduler, not the counter"
    )


def groups_table(groups: Sequence[RunGroup]) -> Table:
    """One row per setting: throughput median and range, drift median and range, runs that drifted."""
    out = table()
    columns: list[tuple[str, JustifyMethod]] = [
        ("strategy", "left"),
        ("engine", "left"),
        ("threads", "right"),
        ("exact", "left"),
        ("Mops/s", "right"),
        ("(min - max)", "right"),
        ("drift", "right"),
        ("(min .. max)", "right"),
        ("runs drifted", "right"),
    ]
    for name, justify in columns:
        out.add_column(name, justify=justify)
    for g in groups:
        out.add_row(
            g.setting.strategy,
            g.setting.engine,
            threads_cell(g),
            exact_cell(g.setting.strategy, g.exact),
            mops(g),
            mops_spread(g),
            f"{g.drift_median:+.0f}",
            drift_range(g),
            f"{g.runs_with_drift} of {g.runs}",
        )
    return out
