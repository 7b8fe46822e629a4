"""The tables, each built here once: repeated hammer runs (HammerRuns) and reclaim runs (ReclaimRuns).

The hammer table is one builder over a list of columns: the demo shows one strategy per
row (`STRATEGY_COLUMNS`), a sweep one setting per row (`SETTING_COLUMNS`). Drift shows as a
magnitude (median and maximum |drift|, and the share of runs that drifted); the signed
range stays beside it. Each median's interval (order statistics) and each share's Wilson
interval go on a second line in brackets; the header says "[95% CI]" only when every row's
median rests on enough runs for one, and `hammer_coverage_note` says what the brackets
cover when some do not (interval_text.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rich import box
from rich.console import JustifyMethod
from rich.markup import escape
from rich.table import Table

from pysgxalloc.cli._console import safe_cells, table
from pysgxalloc.cli.interval_text import bracket, coverage_note, interval_header
from pysgxalloc.counted import counted, counted_of
from pysgxalloc.hammer_runs import HammerRuns
from pysgxalloc.intervals import Interval, median_interval
from pysgxalloc.reclaim_runs import ReclaimRuns
from pysgxalloc.soft_lockup import LockupRuns
from pysgxalloc.strategy import ACCURACY_LABEL, accuracy, known_strategy


def mops_with_interval(group: HammerRuns) -> str:
    return f"{group.mops_median:.1f}\n{bracket(group.mops_interval, '.1f')}"


def abs_drift_with_interval(group: HammerRuns) -> str:
    """Median |drift|: lost decrements and lost increments cannot cancel in it, as in a signed median."""
    return f"{group.abs_drift_median:,.0f}\n{bracket(group.abs_drift_interval, ',.0f')}"


def abs_drift_max(group: HammerRuns) -> str:
    return f"{group.abs_drift_max:,}"


def drifted_with_interval(group: HammerRuns) -> str:
    """Runs that drifted, and the Wilson interval of that share (from `RUNS_FOR_95` runs)."""
    share = bracket(_percent(group.drifted_interval), ".0f", "%")
    return f"{group.runs_with_drift:,}/{group.runs:,}\n{share}"


def _percent(interval: Interval | None) -> Interval | None:
    return None if interval is None else Interval(100 * interval.low, 100 * interval.high, interval.coverage)


def running_cell(group: HammerRuns) -> str:
    """The least-running thread's share of the wall time (median over runs), and the runs where
    every thread ran at least 90% of it; "-" where the runs did not record it."""
    if group.running_median is None or group.concurrent_runs is None:
        return "-"
    return f"{group.running_median:.0%}\n{group.concurrent_runs:,}/{group.runs:,} at once"


def cpu_ns_cell(group: HammerRuns) -> str:
    return "-" if group.cpu_ns_median is None else f"{group.cpu_ns_median:.1f}"


def lost_cell(group: HammerRuns) -> str:
    """Phased runs: median updates lost per million, with its interval; "-" for unphased runs."""
    interval = group.lost_per_million_interval
    if group.lost_per_million_median is None or interval is None:
        return "-"
    return f"{group.lost_per_million_median:,.0f}\n{bracket(interval, ',.0f')}"


def drift_range(group: HammerRuns) -> str:
    return f"{int(group.drift.min()):+,d} .. {int(group.drift.max()):+,d}"


def threads_cell(group: HammerRuns) -> str:
    """Thread count, starred when oversubscribed (see `oversubscribed_note`)."""
    return f"{group.setting.threads:,}{' *' if group.oversubscribed else ''}"


def exact_cell(strategy: str, exact: bool | None) -> str:
    """The "exact" column: the strategy's accuracy when this version knows it, else what the file said."""
    if (known := known_strategy(strategy)) is not None:
        return ACCURACY_LABEL[known.accuracy]
    return "?" if exact is None else "yes" if exact else "no"


def oversubscribed_note(groups: Sequence[HammerRuns], cpus: int) -> str | None:
    if not any(g.oversubscribed for g in groups):
        return None
    return (
        f"* oversubscribed: more threads than the {counted(cpus, 'usable CPU')}; spinning lock waiters then "
        "measure the scheduler, not the counter"
    )


@dataclass(frozen=True)
class Column:
    """One column of the hammer table: its header, how it aligns, and its cell for one group;
    a column of medians gets a second header line that names its intervals (`interval_header`)."""

    header: str
    justify: JustifyMethod
    cell: Callable[[HammerRuns], str]
    medians: bool = False

    def heading(self, groups: Sequence[HammerRuns]) -> str:
        # escaped: rich would take "[interval]" for a style tag and drop it
        return (
            f"{self.header}\n{escape(interval_header(g.runs for g in groups))}"
            if self.medians
            else self.header
        )


def _in_parentheses(cell: Callable[[HammerRuns], str]) -> Callable[[HammerRuns], str]:
    return lambda group: f"({cell(group)})"


_STRATEGY = Column("strategy", "left", lambda g: g.setting.strategy)
_EXACT = Column("exact", "left", lambda g: exact_cell(g.setting.strategy, g.exact))

_MOPS = Column("Mops/s median", "right", mops_with_interval, medians=True)
_ABS_DRIFT = Column("|drift| median", "right", abs_drift_with_interval, medians=True)
_ABS_DRIFT_MAX = Column("|drift|\nmax", "right", abs_drift_max)
_DRIFTED = Column("runs\ndrifted", "right", drifted_with_interval)
_SIGNED = Column("signed drift\n(min .. max)", "right", _in_parentheses(drift_range))
_RUNNING = Column("least thread\nran", "right", running_cell)
_CPU_NS = Column("CPU ns\nper op", "right", cpu_ns_cell)

#: What every hammer table shows of a group, after the columns that name it.
_MEASURED = (_MOPS, _ABS_DRIFT, _ABS_DRIFT_MAX, _DRIFTED, _SIGNED, _RUNNING, _CPU_NS)

#: The demo's table: one strategy per row, every run at the same setting.
STRATEGY_COLUMNS = (_STRATEGY, _EXACT, *_MEASURED)

#: A sweep's table: one setting per row, and how many of its runs drifted.
SETTING_COLUMNS = (
    _STRATEGY,
    Column("engine", "left", lambda g: g.setting.engine),
    Column("threads", "right", threads_cell),
    _EXACT,
    *_MEASURED,
)

#: Phased runs add the updates lost per million (both directions), which net drift understates.
LOST_COLUMN = Column("lost per\nmillion", "right", lost_cell, medians=True)


def with_lost_column(columns: Sequence[Column], groups: Sequence[HammerRuns]) -> tuple[Column, ...]:
    """`columns`, and the lost-updates column where any group ran phased."""
    return (*columns, LOST_COLUMN) if any(g.phased for g in groups) else tuple(columns)


def concurrency_note(groups: Sequence[HammerRuns]) -> str | None:
    """How many runs really ran their threads at once (each thread >= 90% of the wall time)."""
    recorded = [g for g in groups if g.concurrent_runs is not None and g.setting.threads > 1]
    if not recorded:
        return None
    at_once = sum(g.concurrent_runs or 0 for g in recorded)
    runs = sum(g.runs for g in recorded)
    return (
        f"{counted_of(at_once, runs, 'multi-thread run')} had every thread running >= 90% of the time (truly "
        "concurrent); in the others the scheduler ran something else for a while, so threads overlapped less"
    )


def hammer_coverage_note(groups: Sequence[HammerRuns]) -> str | None:
    """What the brackets of a hammer table cover when some row has fewer runs than a 95% interval needs."""
    return coverage_note(g.runs for g in groups)


def hammer_runs_table(groups: Sequence[HammerRuns], columns: Sequence[Column] = SETTING_COLUMNS) -> Table:
    """One row per group: throughput and |drift| with intervals, the signed range, as `columns` choose
    (and the lost-updates column when a group ran phased)."""
    out = table()
    for column in with_lost_column(columns, groups):
        out.add_column(column.heading(groups), justify=column.justify)
    for group in groups:
        out.add_row(*safe_cells(column.cell(group) for column in with_lost_column(columns, groups)))
    return out


def _median(values: npt.NDArray[Any], fmt: str) -> str:
    """The median, and its interval on a second line (none for one value)."""
    if not len(values):
        return "-"
    return f"{format(float(np.median(values)), fmt)}\n{bracket(median_interval(values), fmt)}"


def _scenario_table(title: str) -> Table:
    """The style of the scenario tables: a title, a rule under the headers, no frame."""
    return Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True, show_edge=False)


def reclaim_table(summaries: Sequence[ReclaimRuns]) -> Table:
    """Per strategy: runs, how many hung (proven), how many stalled (starved, not stuck) or ran out
    of memory, the median faults served before the hang, the drift the hung runs ended with, and
    how long the completed runs took."""
    out = _scenario_table("Reclaim scenario: does the run hang?")
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
        spread = f"({drift.min():+,d} .. {drift.max():+,d})" if len(drift) else ""
        out.add_row(
            *safe_cells(
                [
                    s.strategy.name,
                    ACCURACY_LABEL[accuracy(s.strategy)],
                    f"{s.hung:,}/{s.runs:,}\n{bracket(_percent(s.hung_interval), '.0f', '%')}",
                    f"{s.stalled:,}",
                    f"{s.out_of_memory:,}",
                    _median(s.faults_before_hang, ",.0f"),
                    _median(drift, "+,.0f"),
                    spread,
                    _median(s.completion_seconds * 1e3, ".1f"),
                ]
            )
        )
    return out


def reclaim_coverage_note(summaries: Sequence[ReclaimRuns]) -> str | None:
    """What the reclaim table's brackets cover where a cell rests on fewer runs than a 95% interval needs
    (the medians rest on the runs that hung, or on those that completed)."""
    counts = [n for s in summaries for n in (s.runs, len(s.faults_before_hang), len(s.completion_seconds))]
    return coverage_note(counts)


def placement_label(threads: int) -> str:
    """A lockup run's fault workers, as the tables and verdicts name them."""
    return "node 0 alone" if threads == 1 else f"{threads:,}, one per node"


def lockup_table(groups: Sequence[LockupRuns]) -> Table:
    """Per placement and node search: runs, how they ended, and the node each lockup happened on."""
    out = _scenario_table("CPU-only node: does a fault worker there lock up?")
    out.add_column("fault workers", no_wrap=True)
    out.add_column("node search", no_wrap=True)
    out.add_column("runs", justify="right")
    out.add_column("completed", justify="right")
    out.add_column("soft\nlockup", justify="right")
    out.add_column("other\n(hung,\nstalled)", justify="right")
    out.add_column("lockup\non node", justify="right")
    for g in groups:
        out.add_row(
            *safe_cells(
                [
                    placement_label(g.threads),
                    g.node_search.name,
                    f"{g.runs:,}",
                    f"{g.completed:,}",
                    f"{g.soft_lockups:,}",
                    f"{g.other_outcomes:,}",
                    ", ".join(str(node) for node in g.lockup_nodes) or "-",
                ]
            )
        )
    return out
