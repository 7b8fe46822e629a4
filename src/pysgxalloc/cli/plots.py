"""Figures of run groups: throughput against threads (log scale) and |drift| against threads.

Drift is drawn as a magnitude (median |drift|, bars up to the largest) on a symlog axis: a
signed median lets lost decrements and lost increments cancel and would draw a flat zero.

One line per strategy (a colour each), work value (a lighter shade and a marker
each), engine (filled or hollow markers) and machine (a line style each); a
dotted vertical line marks each CPU count, past which threads are oversubscribed. matplotlib is an optional
dependency (``pip install matplotlib``; in a checkout, ``pip install ".[plot]"``),
imported only when a plot is drawn; `require_matplotlib` lets a command fail
before a long run rather than after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pysgxalloc.counted import counted
from pysgxalloc.hammer_runs import HammerRuns

#: What --plot accepts; matplotlib picks the format from the suffix.
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
_LINE_STYLES = ("-", "--", ":", "-.")
_MARKERS = {"native": "o", "python": "s"}


class PlotUnavailableError(RuntimeError):
    """matplotlib is not installed."""


@dataclass(frozen=True)
class Series:
    """One machine's run groups, under the label the legend gives them."""

    label: str
    cpus: int
    groups: Sequence[HammerRuns]
    tag: str = ""  #: a short name for the CPU marker, such as report's "[1]" (default: the label)


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailableError(
            "plotting needs matplotlib: pip install matplotlib "
            '(or, in a pysgxalloc checkout, pip install ".[plot]" installs both)'
        ) from None


def plot_series(series: Sequence[Series], out: BinaryIO, title: str, format: str = "png") -> None:
    """Draw throughput and drift against threads for every series and save the figure into `out`
    (an open binary file: pysgxalloc.output_path decides how its path is written)."""
    draw_series(series, title).savefig(out, dpi=120, format=format)


def plot_format(path: Path) -> str:
    """matplotlib's format for a plot path: its suffix (the options accept only PLOT_SUFFIXES)."""
    suffix = path.suffix.lower()
    return suffix[1:] if suffix in PLOT_SUFFIXES else "png"


def draw_series(series: Sequence[Series], title: str) -> Any:
    """The figure `plot_series` saves (a matplotlib Figure), for a caller or a test to look at."""
    require_matplotlib()
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    styles = _LineStyles(series)
    # The legend goes under the plots, in as many columns as fit; the figure grows by its rows
    # so that neither the legend nor the plots are cut or squeezed.
    legend_rows = -(-styles.count // _LEGEND_COLUMNS)
    figure = Figure(figsize=(13, 5.5 + _LEGEND_ROW_INCHES * legend_rows), layout="constrained")
    throughput, drift = figure.subplots(1, 2)
    for index, one in enumerate(series):
        for (strategy, engine, work), groups in _lines(one.groups).items():
            threads = [g.setting.threads for g in groups]
            label = _label(strategy, engine, work, styles.several_works, one.label if len(series) > 1 else "")
            look = styles.look(index, strategy, engine, work)
            median = [g.mops_median for g in groups]
            spread = [
                [m - g.mops_min for m, g in zip(median, groups, strict=True)],
                [g.mops_max - m for m, g in zip(median, groups, strict=True)],
            ]
            throughput.errorbar(threads, median, yerr=spread, capsize=3, label=label, **look)
            magnitude = [g.abs_drift_median for g in groups]
            drift.errorbar(
                threads,
                magnitude,
                yerr=[
                    [0.0] * len(groups),
                    [g.abs_drift_max - m for m, g in zip(magnitude, groups, strict=True)],
                ],
                capsize=3,
                label=label,
                **look,
            )
    _mark_cpus(series, (throughput, drift))
    thread_counts = sorted({g.setting.threads for s in series for g in s.groups})
    cpus = [s.cpus for s in series]
    _style_axes(throughput, "throughput (Mops/s, median, min-max bars)", thread_counts, cpus)
    _log_axis_with_labels_around(
        throughput, [v for s in series for g in s.groups for v in (g.mops_min, g.mops_max)]
    )
    _style_axes(drift, "|drift|: |counter - true free pages| (median, bars to max)", thread_counts, cpus)
    _drift_axis(drift, [g.abs_drift_max for s in series for g in s.groups])
    handles, labels = throughput.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=_LEGEND_COLUMNS, fontsize=8)
    figure.suptitle(title)
    return figure


#: Legend columns under the plots, and the height each row of entries adds to the figure.
_LEGEND_COLUMNS = 4
_LEGEND_ROW_INCHES = 0.22
#: Factor of padding either side of the thread counts on their log2 axis.
_X_PAD = 2 ** (1 / 3)
#: Markers for the work values of a figure, in rising order of work.
_WORK_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


class _LineStyles:
    """Every line's look, so that no two lines of a figure look alike.

    Colour: the strategy's hue, lighter for each larger `work`; marker: the work value;
    fill: full for the native engine, hollow for the python one; line style: the series.
    """

    def __init__(self, series: Sequence[Series]) -> None:
        groups = [g for s in series for g in s.groups]
        strategies = sorted({g.setting.strategy for g in groups}, key=_first_index(series))
        self._hue = {name: f"C{index % 10}" for index, name in enumerate(strategies)}
        self._works = sorted({g.setting.work for g in groups})
        self.several_works = len(self._works) > 1
        self.count = len({(i, *key) for i, s in enumerate(series) for key in _lines(s.groups)})

    def look(self, series_index: int, strategy: str, engine: str, work: int) -> dict[str, Any]:
        from matplotlib.colors import to_rgb

        step = self._works.index(work)
        lighter = 0.55 * step / max(1, len(self._works) - 1)  # the first work at full strength
        colour = tuple(c + (1 - c) * lighter for c in to_rgb(self._hue[strategy]))
        return {
            "color": colour,
            "marker": _WORK_MARKERS[step % len(_WORK_MARKERS)]
            if len(self._works) > 1
            else _MARKERS.get(engine, "^"),
            "markerfacecolor": colour if engine == "native" else "white",
            "linestyle": _LINE_STYLES[series_index % len(_LINE_STYLES)],
        }


def _mark_cpus(series: Sequence[Series], axes_pair: Sequence[Any]) -> None:
    """One dotted line per distinct CPU count, labelled once with every series that has it."""
    by_cpus: dict[int, list[str]] = {}
    for one in series:
        by_cpus.setdefault(one.cpus, []).append(one.tag or one.label)
    for cpus, owners in by_cpus.items():
        text = counted(cpus, "CPU") + (f" ({', '.join(owners)})" if len(by_cpus) > 1 else "")
        for axes in axes_pair:
            axes.axvline(cpus, color="grey", linestyle=":", linewidth=1)
            axes.annotate(
                text,
                (cpus, 1),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=8,
                color="grey",
            )


def _log_axis_with_labels_around(axes: Any, values: Sequence[float]) -> None:
    """Log scale from a labelled tick at or below every value to one at or above it (1, 2, 5 x 10^k)."""
    from matplotlib.ticker import LogLocator, NullLocator

    axes.set_yscale("log")
    positive = [v for v in values if v > 0]
    if positive:
        axes.set_ylim(_nice(min(positive), down=True), _nice(max(positive), down=False))
    axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_minor_locator(NullLocator())
    _plain_numbers(axes.yaxis)


def _nice(value: float, down: bool) -> float:
    """The nearest of 1, 2, 5 x 10^k at or below (`down`) or at or above `value`."""
    decade = 10.0 ** math.floor(math.log10(value))
    steps = [decade * m for m in (0.5, 1, 2, 5, 10, 20)]
    return max(s for s in steps if s <= value) if down else min(s for s in steps if s >= value)


def _drift_axis(axes: Any, magnitudes: Sequence[float]) -> None:
    """symlog from zero (a magnitude has nothing below it) to well past the largest |drift|,
    so no point or bar sits on the edge."""
    axes.set_yscale("symlog", linthresh=1)
    axes.set_ylim(0, _nice(max(10.0, 3 * max(magnitudes, default=0.0)), down=False))


def _lines(groups: Sequence[HammerRuns]) -> dict[tuple[str, str, int], list[HammerRuns]]:
    lines: dict[tuple[str, str, int], list[HammerRuns]] = {}
    for group in groups:
        setting = group.setting
        lines.setdefault((setting.strategy, setting.engine, setting.work), []).append(group)
    for members in lines.values():
        members.sort(key=lambda g: g.setting.threads)
    return lines


def _label(strategy: str, engine: str, work: int, several_works: bool, machine: str) -> str:
    parts = [strategy, engine]
    if work or several_works:
        parts.append(f"work {work}")
    if machine:
        parts.append(machine)
    return ", ".join(parts)


def _first_index(series: Sequence[Series]) -> Any:
    order = {g.setting.strategy: g.setting.sort_key() for s in series for g in s.groups}
    return lambda name: order[name]


def _style_axes(axes: Any, ylabel: str, thread_counts: list[int], cpus: list[int]) -> None:
    from matplotlib.ticker import NullLocator

    axes.set_xscale("log", base=2)
    axes.set_xticks(thread_counts)  # the counts measured, not powers of two
    # a third of a doubling either side, so no marker, bar or CPU label sits on the frame
    axes.set_xlim(min(thread_counts) / _X_PAD, max(*thread_counts, *cpus) * _X_PAD)
    axes.xaxis.set_minor_locator(NullLocator())
    _plain_numbers(axes.xaxis)
    axes.set_xlabel("threads")
    axes.set_ylabel(ylabel)
    axes.grid(True, which="both", alpha=0.3)


def _plain_numbers(axis: Any) -> None:
    """Tick labels as 3, 40, 200 rather than 3x10^0, 4x10^1, 2x10^2."""
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axis.set_major_formatter(plain)
    axis.set_minor_formatter(plain)
