"""Small result sets for each kind of figure the CLI draws: a sweep, a report of two files, a bench."""

from __future__ import annotations

from pysgxalloc.cli.plots import Series
from pysgxalloc.hammer_runs import Run, Setting, group_runs
from pysgxalloc.strategy import STRATEGIES, is_exact


def runs_of(
    engines: tuple[str, ...], works: tuple[int, ...], threads: tuple[int, ...], scale: float
) -> list[Run]:
    """Three runs per setting; plain strategies drift, one of them by a lot at the most threads."""
    runs = []
    for number, strategy in enumerate(STRATEGIES):
        for engine in engines:
            for work in works:
                for count in threads:
                    rate = scale * (20 + 15 * number) * 1e6 / (1 + work / 500)
                    drift = 0 if is_exact(strategy) else -(10 ** (count + 1)) - 7 * number
                    setting = Setting(strategy.name, engine, count, work)
                    runs += [Run(setting, rate * f, drift, is_exact(strategy)) for f in (0.9, 1.0, 1.1)]
    return runs


def sweep_figure() -> list[Series]:
    return [Series("vm (2 CPUs)", 2, group_runs(runs_of(("native",), (0,), (1, 2, 4), 1.0), 2))]


def report_figure() -> list[Series]:
    """Two files from one host: they must stay apart in the legend and at the CPU marker."""
    first = group_runs(runs_of(("native",), (0,), (1, 2), 1.0), 2)
    second = group_runs(runs_of(("native",), (0,), (1, 2), 1.3), 2)
    return [
        Series("[1] vm (2 CPUs), a.json", 2, first, tag="[1]"),
        Series("[2] vm (2 CPUs), b.json", 2, second, tag="[2]"),
    ]


def bench_figure() -> list[Series]:
    """pytest bench/'s defaults: every strategy, both engines, works 0, 100 and 1000."""
    return [
        Series("vm (2 CPUs)", 2, group_runs(runs_of(("native", "python"), (0, 100, 1000), (1, 2), 1.0), 2))
    ]


FIGURES = {"sweep": sweep_figure, "report": report_figure, "bench": bench_figure}
