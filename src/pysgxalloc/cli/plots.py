"""Figures of run groups: throughput against threads (log scale) and drift against threads.

One line per strategy (a colour each), per engine (a marker each) and per
machine (a line style each); a dotted vertical line marks each machine's CPU
count, past which its threads are oversubscribed. matplotlib is an optional
dependency (``pip install matplotlib``; in a checkout, ``pip install ".[plot]"``),
imported only when a plot is drawn; `require_matplotlib` lets a command fail
before a long run rather than after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailableError(
            "plotting needs matplotlib: pip install matplotlib "
            '(or, in a pysgxalloc checkout, pip install ".[plot]" installs both)'
        ) from None


def plot_series(series: Sequence[Series], path: Path, title: str) -> None:
    """Draw throughput and drift against threads for every series and save the figure to `path`."""
    require_matplotlib()
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    figure = Figure(figsize=(13, 5.5), layout="constrained")
    throughput, drift = figure.subplots(1, 2)
    strategies = sorted({g.setting.strategy for s in series for g in s.groups}, key=_first_index(series))
    colours = {name: f"C{index % 10}" for index, name in enumerate(strategies)}
    for index, one in enumerate(series):
        style = _LINE_STYLES[index % len(_LINE_STYLES)]
        for (strategy, engine, work), groups in _lines(one.groups).items():
            threads = [g.setting.threads for g in groups]
            label = _label(strategy, engine, work, one.label if len(series) > 1 else "")
            marker = _MARKERS.get(engine, "^")
            median = [g.mops_median for g in groups]
            spread = [
                [m - g.mops_min for m, g in zip(median, groups, strict=True)],
                [g.mops_max - m for m, g in zip(median, groups, strict=True)],
            ]
            throughput.errorbar(
                threads,
                median,
                yerr=spread,
                color=colours[strategy],
                linestyle=style,
                marker=marker,
                capsize=3,
                label=label,
            )
            drift.plot(
                threads,
                [g.drift_median for g in groups],
                color=colours[strategy],
                linestyle=style,
                marker=marker,
                label=label,
            )
        for axes in (throughput, drift):
            axes.axvline(one.cpus, color="grey", linestyle=":", linewidth=1)
            axes.annotate(
                f"{one.cpus} CPUs" + (f" ({one.label})" if len(series) > 1 else ""),
                (one.cpus, 1),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=8,
                color="grey",
            )
    thread_counts = sorted({g.setting.threads for s in series for g in s.groups})
    throughput.set_yscale("log")
    _style_axes(throughput, "throughput (Mops/s, median, min-max bars)", thread_counts)
    _plain_numbers(throughput.yaxis)
    drift.set_yscale("symlog", linthresh=1)
    _style_axes(drift, "drift: counter - true free pages (median)", thread_counts)
    drift.axhline(0, color="black", linewidth=0.5)
    handles, labels = throughput.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right upper", fontsize=8)
    figure.suptitle(title)
    figure.savefig(path, dpi=120)


def _lines(groups: Sequence[HammerRuns]) -> dict[tuple[str, str, int], list[HammerRuns]]:
    lines: dict[tuple[str, str, int], list[HammerRuns]] = {}
    for group in groups:
        setting = group.setting
        lines.setdefault((setting.strategy, setting.engine, setting.work), []).append(group)
    for members in lines.values():
        members.sort(key=lambda g: g.setting.threads)
    return lines


def _label(strategy: str, engine: str, work: int, machine: str) -> str:
    parts = [strategy, engine]
    if work:
        parts.append(f"work {work}")
    if machine:
        parts.append(machine)
    return ", ".join(parts)


def _first_index(series: Sequence[Series]) -> Any:
    order = {g.setting.strategy: g.setting.sort_key() for s in series for g in s.groups}
    return lambda name: order[name]


def _style_axes(axes: Any, ylabel: str, thread_counts: list[int]) -> None:
    from matplotlib.ticker import NullLocator

    axes.set_xscale("log", base=2)
    axes.set_xticks(thread_counts)  # the counts measured, not powers of two
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
