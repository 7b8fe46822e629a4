"""Net drift against the updates really lost, for one strategy at growing run lengths.

Net drift (counter - true free pages at the end) is a random walk: lost decrements push it up,
lost increments down, and they cancel. Phased runs (allocate, meet, free, meet) count what each
direction lost. Per number of operations per thread, this runs `repeats` plain (churned) runs and
`repeats` phased runs, interleaved, and prints one Markdown row: the median |net drift| of each,
the median updates lost (both directions, phased), and the lost updates per million, each median
with its order-statistic interval in brackets (95% from 6 repeats; the header says what it covers).

Usage: python bench/lost_vs_net_drift.py [--strategy S] [--ops 100000,1000000,10000000]
[--threads 2] [--repeats 9] [--no-pin]. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc as sgx
from bench.arguments import integer_list, positive_int
from pysgxalloc.analysis import MachineInfo, median_interval, median_ranks, usable_cpus

#: The batch a phased run takes where none is given.
PHASED_BATCH = sgx.HammerSettings(phased=True).batch


def cell(values: Sequence[float]) -> str:
    """Median and its 95% interval, as `1,933 [664, 6,992]`."""
    interval = median_interval(values)
    return f"{float(np.median(values)):,.0f} [{interval.low:,.0f}, {interval.high:,.0f}]"


def interval_name(runs: int) -> str:
    """What the brackets are: a 95% interval from 6 runs, the range with its real coverage below."""
    coverage = median_ranks(runs)[1]
    return "95% CI" if coverage >= 0.95 else f"range of the runs, {coverage:.0%} coverage"


def row(strategy: str, ops: int, threads: int, repeats: int, pin: bool) -> str:
    churned: list[sgx.HammerResult] = []
    phased: list[sgx.HammerResult] = []
    for _ in range(repeats):
        churned.append(sgx.hammer(strategy, threads=threads, ops=ops, pin=pin))
        phased.append(
            sgx.hammer(strategy, threads=threads, ops=ops, pin=pin, phased=True, batch=PHASED_BATCH)
        )
    both = sum(bool(r.lost_decrements.any() and r.lost_increments.any()) for r in phased)
    return (
        f"| {ops:,} | {cell([abs(r.drift) for r in churned])} | {cell([abs(r.drift) for r in phased])} "
        f"| {cell([r.lost_updates for r in phased])} | {cell([r.lost_per_million for r in phased])} "
        f"| {both} of {repeats} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategy", default="plain_node_lock", type=sgx.parse_strategy)
    parser.add_argument("--ops", type=integer_list(1), default=(100_000, 1_000_000, 10_000_000))
    parser.add_argument("--threads", type=positive_int, default=2)
    parser.add_argument("--repeats", type=positive_int, default=9)
    parser.add_argument("--no-pin", action="store_true", help="let the scheduler place the threads")
    args = parser.parse_args(argv)
    pin = not args.no_pin and args.threads <= usable_cpus()
    machine = MachineInfo.current()
    print(f"{machine.label}: {machine.description}")
    print(
        f"{args.strategy.name}, {args.threads} threads{' pinned' if pin else ''}, "
        f"{args.repeats} runs of each kind per row; phased runs in batches of {PHASED_BATCH}; "
        f"medians [{interval_name(args.repeats)}]"
    )
    print()
    print(
        "| ops per thread | \\|net drift\\| (churned) | \\|net drift\\| (phased) | updates lost (phased) "
        "| lost per million (phased) | phased runs that lost both ways |"
    )
    print("|---|---|---|---|---|---|")
    for ops in args.ops:
        print(row(args.strategy.name, ops, args.threads, args.repeats, pin), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
