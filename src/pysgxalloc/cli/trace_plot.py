"""A failing schedule as a picture for teaching: one timeline per thread, the lost update highlighted.

Each step is a mark on its thread's lane at its position in the run, labelled with what
it did; counter accesses are filled, locks hollow. A store that overwrites another
thread's update is drawn in red with an arrow back to each update it erased (the stores of
the same counter cell) and the number it wiped out; each preemption is a dotted vertical line,
each switch forced by a held lock a dashed one. matplotlib is imported only here, when drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from pysgxalloc.cli.plots import require_matplotlib
from pysgxalloc.counted import counted
from pysgxalloc.explore import ExploreResult, ScheduleRun, thread_names

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COUNTER_CELLS = ("counter", "node_count", "cpu_delta", "stripe")


def plot_trace(result: ExploreResult, out: BinaryIO, format: str = "png") -> None:
    """Draw `result`'s first failure and save it into `out` as `format` (png, svg or pdf)."""
    if result.first_failure is None:
        raise ValueError("no failing schedule to draw")
    plot_run(result.strategy.name, result.first_failure, out, format)


def plot_run(strategy: str, failure: ScheduleRun, out: BinaryIO, format: str = "png") -> None:
    """Draw one scheduled run of `strategy` and save it into `out` as `format` (png, svg or pdf)."""
    trace_figure(strategy, failure).savefig(out, format=format)


def trace_figure(strategy: str, failure: ScheduleRun) -> Figure:
    """One scheduled run of `strategy` as a figure, one lane per thread."""
    require_matplotlib()
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    names = thread_names(failure.scenario, failure.threads)
    steps = failure.steps
    figure = Figure(figsize=(max(8.0, 0.32 * len(steps) + 3), 1.2 + 0.9 * len(names)), layout="constrained")
    axes = figure.subplots()
    lane = {thread: len(names) - 1 - thread for thread in range(len(names))}
    for step in steps:
        counter = step.shared in _COUNTER_CELLS
        lost = bool(step.overwrites)
        colour = "tab:red" if lost else ("tab:blue" if counter else "0.55")
        axes.scatter(
            step.step,
            lane[step.thread],
            s=120 if lost else 60,
            marker="o" if counter else "s",
            facecolors=colour if counter else "none",
            edgecolors=colour,
            zorder=3,
        )
        if counter:
            axes.annotate(
                step.description,
                (step.step, lane[step.thread]),
                xytext=(0, 9),
                textcoords="offset points",
                rotation=60,
                fontsize=7,
                color=colour,
            )
        if step.preemption:
            axes.axvline(step.step - 0.5, color="0.6", linestyle=":", linewidth=1)
        elif step.blocked:
            axes.axvline(step.step - 0.5, color="0.75", linestyle="--", linewidth=1)
        for number in step.overwritten_steps:
            # To each overwritten store of this same cell (never another object the thread touched).
            erased = steps[number - 1]
            axes.annotate(
                "",
                xy=(erased.step, lane[erased.thread]),
                xytext=(step.step, lane[step.thread]),
                arrowprops={"arrowstyle": "->", "color": "tab:red", "linewidth": 1.5},
            )
        if step.overwritten_steps:
            axes.annotate(
                f"wipes out {counted(step.lost_updates, 'update')}",
                (step.step, lane[step.thread]),
                xytext=(0, -16),
                textcoords="offset points",
                fontsize=8,
                color="tab:red",
                ha="center",
            )
    for row in lane.values():
        axes.axhline(row, color="0.85", linewidth=0.8, zorder=1)
    axes.set_yticks(list(lane.values()), [names[thread] for thread in lane])
    axes.set_xlabel(
        "step (circles: counter accesses; squares: locks and other shared accesses; dotted: preemption; "
        "dashed: blocked on a held lock)"
    )
    axes.set_ylim(-0.6, len(names) - 0.1 + 0.9)
    axes.set_xlim(0, len(steps) + 1)
    axes.set_title(
        f"{strategy}: {failure.outcome} after {counted(len(steps), 'step')}, "
        f"{counted(failure.preemptions, 'preemption')}\n"
        f"counter {failure.counter:,}, true free {failure.true_free:,}"
        + (
            "; red: the store that overwrote another thread's update"
            if any(s.overwrites for s in steps)
            else ""
        ),
        fontsize=10,
    )
    return figure
