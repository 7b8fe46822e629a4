"""The lost-updates table: the updates plain_node_lock loses per million, under each condition it depends on.

Phased runs (allocate, meet, free, meet; batches of 1,024 pages) count the updates lost in each
direction, which net drift cannot (lost decrements and increments cancel in it). The rate is not a
constant of the bug: it depends on how much work sits between updates, whether the threads are
pinned (so that they really run at once), and on how loaded the machine is. One Markdown row per
condition, `repeats` runs each, interleaved round-robin so that a burst of load hits every row:
the median rate with its interval, the runs that lost any, how much of the wall time the
least-running thread really ran, how many runs had every thread running at once, and the
1-minute load average over the row's runs.

Usage: python bench/lost_updates.py [--repeats 7] [--ops 1000000] [--works 0,100,1000]
Asserts nothing. The docs' "Numbers people can cite" page quotes its output.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc as sgx
from bench.arguments import integer_list, positive_int
from pysgxalloc.analysis import MachineInfo, describe, load_average, median_interval, usable_cpus

#: The batch a phased run takes where none is given.
PHASED_BATCH = sgx.HammerSettings(phased=True).batch


@dataclass
class Row:
    """One condition and what its runs measured."""

    work: int
    pin: bool
    rates: list[float] = field(default_factory=list)
    least_ran: list[float] = field(default_factory=list)
    at_once: list[bool] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def run(self, ops: int) -> None:
        self.loads.append(load_average())
        result = sgx.hammer(
            "plain_node_lock",
            threads=2,
            ops=ops,
            phased=True,
            batch=PHASED_BATCH,
            work=self.work,
            pin=self.pin,
        )
        self.loads.append(load_average())
        self.rates.append(result.lost_per_million)
        self.least_ran.append(result.min_running_fraction)
        self.at_once.append(result.concurrent)

    def markdown(self) -> str:
        median = float(np.median(self.rates))
        at_once = sum(self.at_once)
        return (
            f"| {self.work:,} | {'yes' if self.pin else 'no'} | {len(self.rates)} "
            f"| {median:,.0f} {describe(median_interval(self.rates), ',.0f')} "
            f"| {sum(r > 0 for r in self.rates)} of {len(self.rates)} "
            f"| {float(np.median(self.least_ran)):.0%} | {at_once} of {len(self.rates)} "
            f"| {min(self.loads):.1f} .. {max(self.loads):.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=positive_int, default=7, help="runs per row (default: 7)")
    parser.add_argument("--ops", type=positive_int, default=1_000_000, help="operations per thread and run")
    parser.add_argument("--works", type=integer_list(0), default=(0, 100, 1000), help="work between updates")
    args = parser.parse_args(argv)
    if usable_cpus() < 2:
        print("needs 2 usable CPUs: one thread cannot race", file=sys.stderr)
        return 1
    machine = MachineInfo.current()
    rows = [Row(0, pin=True), Row(0, pin=False), *(Row(work, pin=True) for work in args.works if work)]
    print(f"{machine.label}: {machine.description}")
    print(
        f"plain_node_lock, 2 threads, phased (batches of {PHASED_BATCH}), {args.ops:,} ops per thread "
        f"per run, {args.repeats} runs per row, interleaved; load average {load_average():.1f} at the start"
    )
    for _ in range(args.repeats):
        for row in rows:
            row.run(args.ops)
    print()
    print(
        "| work between updates | pinned | runs | lost per million | runs that lost any "
        "| least thread ran (median) | runs with every thread at once | 1-minute load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
