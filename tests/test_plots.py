"""Every figure the CLI draws (a sweep, a report of two files, the bench suite by work), seen by a reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from plot_examples import FIGURES

from pysgxalloc.cli.plots import Series, draw_series

pytest.importorskip("matplotlib")


def drawn(make: Callable[[], list[Series]]) -> tuple[Any, list[Series]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    series = make()
    figure = draw_series(series, "title")
    FigureCanvasAgg(figure).draw()  # type: ignore[no-untyped-call]  # lays the figure out at its default size
    return figure, series


@pytest.mark.parametrize("kind", FIGURES)
def test_the_legend_fits_inside_the_figure(kind: str) -> None:
    figure, _ = drawn(FIGURES[kind])
    box = figure.legends[0].get_window_extent()
    width, height = figure.bbox.width, figure.bbox.height
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


@pytest.mark.parametrize("kind", FIGURES)
def test_no_two_lines_look_alike(kind: str) -> None:
    figure, _ = drawn(FIGURES[kind])
    for axes in figure.axes:
        lines = [c.lines[0] for c in axes.containers]  # errorbar() keeps its data line in a container
        lines += [line for line in axes.get_lines() if not str(line.get_label()).startswith("_")]
        looks = [
            (line.get_color(), line.get_marker(), str(line.get_markerfacecolor()), line.get_linestyle())
            for line in lines
        ]
        assert len(lines) > 1
        assert len(set(looks)) == len(looks)


@pytest.mark.parametrize("kind", FIGURES)
def test_every_drift_point_lies_inside_the_frame(kind: str) -> None:
    figure, series = drawn(FIGURES[kind])
    low, high = figure.axes[1].get_ylim()
    # |drift| from zero up: every bar's top (the largest |drift|) off the edge by more than a marker
    tops = [g.abs_drift_max for s in series for g in s.groups]
    assert low == 0 and max(tops) * 2 < high


@pytest.mark.parametrize("kind", FIGURES)
def test_the_throughput_axis_has_labelled_ticks_around_every_line(kind: str) -> None:
    figure, series = drawn(FIGURES[kind])
    axes = figure.axes[0]
    low, high = axes.get_ylim()
    labelled = [tick.get_loc() for tick in axes.yaxis.get_major_ticks() if tick.label1.get_text()]
    shown = [value for value in labelled if low <= value <= high]
    rates = [rate for s in series for g in s.groups for rate in (g.mops_min, g.mops_max)]
    assert min(shown) <= min(rates) and max(shown) >= max(rates)


def test_files_from_one_host_share_one_cpu_marker_and_stay_apart_in_the_legend() -> None:
    figure, series = drawn(FIGURES["report"])
    for axes in figure.axes:
        notes = [text.get_text() for text in axes.texts]
        assert notes == ["2 CPUs"]  # one label for the shared count, not two on top of each other
    labels = figure.legends[0].get_texts()
    for one in series:
        assert any(one.label in label.get_text() for label in labels)
