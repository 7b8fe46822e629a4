"""The explorer's speed: the threaded engine beside the fiber engine, in one run.

Each configuration is searched by the original engine (``engine="threads"``: an OS thread per
explored thread, a semaphore baton between them) and by the one-OS-thread engine
(``engine="fibers"``) with the same reduction, alternately, `repeats` times; the median wall time
of each and their ratio in runs per second (the same runs, so the ratio is the engine's). Then
the default search (fibers with ``reduction="dpor"``) once more beside it, and the goals: 3
threads x 3 ops complete, and the hang search at two preemptions for ``plain_node_lock``,
``atomic`` and ``per_node``; without a reduction both on one OS thread and shared over every usable
CPU (``jobs``), side by side.

With ``--hog``, as many busy processes as CPUs run beside everything (the figures are then
labelled so): a search on one OS thread should slow by no more than its CPU share, which the
CPU-time column shows (CPU seconds the search's process used over wall seconds).

Usage: python bench/explore_speed.py [--repeats R] [--quick] [--no-goals | --goals-only] [--hog]
[--engine-time-limit S]
Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc as sgx
from bench.arguments import positive_int


@dataclass(frozen=True)
class Config:
    label: str
    search: Callable[..., sgx.ExploreResult]
    kwargs: dict[str, object]
    reduction: str  # the reduction the old explorer used here


def updates(strategy: str) -> Callable[..., sgx.ExploreResult]:
    return lambda **settings: sgx.explore(strategy, **settings)


def hang(strategy: str) -> Callable[..., sgx.ExploreResult]:
    return lambda **settings: sgx.explore_hang(strategy, **settings)


def configs(quick: bool) -> list[Config]:
    if quick:
        return [
            Config("plain_node_lock 2x1", updates("plain_node_lock"), {"threads": 2, "ops": 1}, "sleep"),
        ]
    return [
        Config("plain_node_lock 2x2", updates("plain_node_lock"), {"threads": 2, "ops": 2}, "sleep"),
        Config("atomic 2x3", updates("atomic"), {"threads": 2, "ops": 3}, "sleep"),
        Config("plain_node_lock 3x2", updates("plain_node_lock"), {"threads": 3, "ops": 2}, "sleep"),
        Config("plain_unlocked 3x2", updates("plain_unlocked"), {"threads": 3, "ops": 2}, "sleep"),
        Config("hang plain_node_lock, bound 1", hang("plain_node_lock"), {}, "none"),
        Config("hang atomic, bound 1", hang("atomic"), {}, "none"),
        Config("hang per_node, bound 1", hang("per_node"), {}, "none"),
    ]


@dataclass
class Timed:
    result: sgx.ExploreResult
    wall: float
    cpu: float


def timed(config: Config, time_limit: float = 3600.0, **settings: object) -> Timed:
    start, cpu = time.perf_counter(), time.process_time()
    result = config.search(time_limit=time_limit, max_schedules=10**9, **config.kwargs, **settings)
    return Timed(result, time.perf_counter() - start, time.process_time() - cpu)


def hog() -> None:
    while True:
        pass


def engines_table(repeats: int, quick: bool, limit: float) -> None:
    # A search the threaded engine cannot finish within `limit` stops there: its rate is that of
    # the same first runs of the same depth-first order, which the fiber engine also makes.
    print(
        "| configuration | reduction | runs (threads / fibers) | threads engine (s) | fibers engine (s) "
        "| runs/s threads | runs/s fibers | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for config in configs(quick):
        rates: dict[str, list[float]] = {"threads": [], "fibers": []}
        walls: dict[str, list[float]] = {"threads": [], "fibers": []}
        runs: dict[str, int] = {}
        for _ in range(repeats):
            for engine in ("threads", "fibers"):
                done = timed(config, limit, engine=engine, reduction=config.reduction)
                walls[engine].append(done.wall)
                rates[engine].append(done.result.runs / max(done.result.elapsed_seconds, 1e-9))
                runs[engine] = done.result.runs
                if engine == "threads" and not done.result.complete:
                    runs[engine] = -done.result.runs  # stopped by the limit
        old, new = statistics.median(rates["threads"]), statistics.median(rates["fibers"])
        stopped = " (stopped at the limit)" if runs["threads"] < 0 else ""
        print(
            f"| {config.label} | {config.reduction} | "
            f"{abs(runs['threads']):,}{stopped} / {runs['fibers']:,} | "
            f"{statistics.median(walls['threads']):.3f} | {statistics.median(walls['fibers']):.3f} | "
            f"{old:,.0f} | {new:,.0f} | {new / old:.0f}x |"
        )


def default_table(quick: bool) -> None:
    print(
        "| configuration | old search (fibers, its reduction) | default search (fibers, default reduction) "
        "| schedules / failing |"
    )
    print("|---|---|---|---|")
    for config in configs(quick):
        old = timed(config, reduction=config.reduction)
        new = timed(config)
        same = (old.result.failing > 0) == (new.result.failing > 0)
        print(
            f"| {config.label} | {old.result.runs:,} runs, {old.wall:.2f} s | {new.result.runs:,} runs, "
            f"{new.wall:.2f} s | {old.result.schedules:,} / {old.result.failing:,} -> "
            f"{new.result.schedules:,} / {new.result.failing:,}{'' if same else ' VERDICT DIFFERS'} |"
        )


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def goals() -> None:
    print("| goal | reduction | jobs | schedules | failing | runs | complete | wall (s) | CPU / wall |")
    print("|---|---|---|---|---|---|---|---|---|")
    # 3 x 3 without a reduction is millions of interleavings: only the reduced search is a goal.
    Row = tuple[str, Callable[..., sgx.ExploreResult], dict[str, object], tuple[str, ...]]
    rows: list[Row] = [
        ("explore plain_node_lock 3x3", updates("plain_node_lock"), {"threads": 3, "ops": 3}, ("dpor",)),
        ("explore atomic 3x3", updates("atomic"), {"threads": 3, "ops": 3}, ("dpor",)),
    ]
    for name in ("plain_node_lock", "atomic", "per_node"):
        rows.append((f"hang {name}, bound 2", hang(name), {"preemption_bound": 2}, ("dpor", "none")))
    # Without a reduction a search can also share its tree over every usable CPU (`jobs`), beside one.
    cpus = usable_cpus()
    for label, search, settings, reductions in rows:
        for reduction in reductions:
            for jobs in (1, cpus) if reduction == "none" and cpus > 1 else (1,):
                start, cpu = time.perf_counter(), time.process_time()
                limits = {"time_limit": 600.0, "max_schedules": 10**9}
                result = search(reduction=reduction, jobs=jobs, **limits, **settings)
                wall = time.perf_counter() - start
                used = time.process_time() - cpu
                print(
                    f"| {label} | {reduction} | {jobs} | {result.schedules:,} | {result.failing:,} | "
                    f"{result.runs:,} | {result.complete} | {wall:.2f} | {used / wall:.2f} |"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=3, help="timings of each engine (median)")
    parser.add_argument("--quick", action="store_true", help="one tiny configuration (a smoke test)")
    parser.add_argument("--no-goals", action="store_true", help="leave out 3x3 and the bound-2 hang searches")
    parser.add_argument("--goals-only", action="store_true", help="only 3x3 and the bound-2 hang searches")
    parser.add_argument("--hog", action="store_true", help="run one busy process per CPU beside it")
    parser.add_argument(
        "--engine-time-limit",
        type=float,
        default=20.0,
        help="seconds each engine may search one configuration",
    )
    args = parser.parse_args(argv)
    cpus = os.cpu_count() or 1
    hogs = [multiprocessing.Process(target=hog, daemon=True) for _ in range(cpus if args.hog else 0)]
    for process in hogs:
        process.start()
    try:
        load = os.getloadavg()[0]
        print(
            f"{cpus} CPUs, load average {load:.1f} at the start"
            + (f", {len(hogs)} busy processes beside (threads outnumber cores)" if hogs else "")
        )
        if args.goals_only:
            print("\nThe goals (fiber engine):\n")
            goals()
            return 0
        print(
            "\nThe engines side by side (the same search, the same runs; medians of "
            f"{args.repeats}, alternating):\n"
        )
        engines_table(args.repeats, args.quick, args.engine_time_limit)
        print("\nThe old reduction against the default one, both on fibers (once each):\n")
        default_table(args.quick)
        if not args.no_goals and not args.quick:
            print("\nThe goals (fiber engine):\n")
            goals()
    finally:
        for process in hogs:
            process.kill()
            process.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
