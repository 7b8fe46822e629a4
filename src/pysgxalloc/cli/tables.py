"""The tables, each built here once: repeated hammer runs (HammerRuns) and reclaim runs (ReclaimRuns).

The hammer table is one builder over a list of columns: the demo shows one strategy per
row (`STRATEGY_COLUMNS`), a sweep one setting per row (`SETTING_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rich import box
from rich.console import JustifyMethod
from rich.table import Table

from pysgxalloc._core import Strategy
from pysgxalloc.cli._console import table
from pysgxalloc.hammer_runs import HammerRuns
from pysgxalloc.reclaim_runs import ReclaimRuns
from pysgxalloc.strategy import ACCURACY_LABEL, accuracy


def mops(group: HammerRuns) -> str:
    return f"{group.mops_median:.1f}"


def mops_spread(group: HammerRuns) -> str:
    return f"{group.mops_min:.1f} - {group.mops_max:.1f}"


def drift_median(group: HammerRuns) -> str:
    return f"{group.drift_median:+.0f}"


def drift_range(group: HammerRuns) -> str:
    return f"{int(group.drift.min()):+d} .. {int(group.drift.max()):+d}"


def threads_cell(group: HammerRuns) -> str:
    """Thread count, starred when oversubscribed (see `oversubscribed_note`)."""
    return f"{group.setting.threads}{' *' if group.oversubscribed else ''}"


def exact_cell(strategy: str, exact: bool | None) -> str:
    """The "exact" column: the strategy's accuracy when this version knows it, else what the file said."""
    if strategy in Strategy.__members__:
        return ACCURACY_LABEL[accuracy(strategy)]
    return "?" if exact is None else "yes" if exact else "no"


def oversubscribed_note(groups: Sequence[HammerRuns], cpus: int) -> str | None:
    if not any(g.oversubscribed for g in groups):
        return None
    return (
        f"* oversubscribed: more threads than the {cpus} usable CPUs; spinning lock waiters then "
        "measure the scheduler, not the counter"
    )


@dataclass(frozen=True)
class Column:
    """One column of the hammer table: its header, how it aligns, and its cell for one group."""

    header: str
    justify: JustifyMethod
    cell: Callable[[HammerRuns], str]


def _in_parentheses(cell: Callable[[HammerRuns], str]) -> Callable[[HammerRuns], str]:
    return lambda group: f"({cell(group)})"


_STRATEGY = Column("strategy", "left", lambda g: g.setting.strategy)
_EXACT = Column("exact", "left", lambda g: exact_cell(g.setting.strategy, g.exact))

#: The demo's table: one strategy per row, every run at the same setting.
STRATEGY_COLUMNS = (
    _STRATEGY,
    _EXACT,
    Column("Mops/s median", "right", mops),
    Column("(min - max)", "right", _in_parentheses(mops_spread)),
    Column("drift median", "right", drift_median),
    Column("(min .. max)", "right", _in_parentheses(drift_range)),
)

#: A sweep's table: one setting per row, and how many of its runs drifted.
SETTING_COLUMNS = (
    _STRATEGY,
    Column("engine", "left", lambda g: g.setting.engine),
    Column("threads", "right", threads_cell),
    _EXACT,
    Column("Mops/s", "right", mops),
    Column("(min - max)", "right", mops_spread),
    Column("drift", "right", drift_median),
    Column("(min .. max)", "right", drift_range),
    Column("runs drifted", "right", lambda g: f"{g.runs_with_drift} of {g.runs}"),
)


def hammer_runs_table(groups: Sequence[HammerRuns], columns: Sequence[Column] = SETTING_COLUMNS) -> Table:
    """One row per group: throughput median and range, drift median and range, as `columns` choose."""
    out = table()
    for column in columns:
        out.add_column(column.header, justify=column.justify)
    for group in groups:
        out.add_row(*(column.cell(group) for column in columns))
    return out


def _median(values: npt.NDArray[Any], fmt: str) -> str:
    return format(float(np.median(values)), fmt) if len(values) else "-"


def reclaim_table(summaries: Sequence[ReclaimRuns]) -> Table:
    """Per strategy: runs, how many hung (proven), how many stalled (starved, not stuck) or ran out
    of memory, the median faults served before the hang, the drift the hung runs ended with, and
    how long the completed runs took."""
    out = Table(
        title="Reclaim scenario: does the run hang?",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        show_edge=False,
    )
    out.add_column("strategy", no_wrap=True)
    out.add_column("exact")
    out.add_column("hung/\nruns", justify="right", no_wrap=True)
    out.add_column("stalled", justify="right")
    out.add_column("out of\nmemory", justify="right")
    out.add_column("faults\nbefore\nhang\n(median)", justify="right")
    out.add_column("drift\nat hang\n(median)", justify="right")
    out.add_column("\n\n\n(min .. max)", justify="right", no_wrap=True)
    out.add_column("ms to\ncomplete\n(median)", justify="right")
    for s in summaries:
        drift = s.drift_at_hang
        spread = f"({drift.min():+d} .. {drift.max():+d})" if len(drift) else ""
        out.add_row(
            s.strategy.name,
            ACCURACY_LABEL[accuracy(s.strategy)],
            f"{s.hung}/{s.runs}",
            str(s.stalled),
            str(s.out_of_memory),
            _median(s.faults_before_hang, ",.0f"),
            _median(drift, "+.0f"),
            spread,
            _median(s.completion_seconds * 1e3, ".1f"),
        )
    return out
