"""What the memory layout does to the bug: plain_node_lock's losses with each layout, side by side.

Per layout (``padded``: every hot object on its own 128-byte block; ``kernel``: v5.15's sharing,
docs/layout.md; ``kernel_counter_apart``: ``kernel`` with the counter on a block of its own, the
ablation that shows what the counter's neighbours add), three measurements, their runs
interleaved round-robin so that a burst of load hits every layout alike:

- the first fill: 2 pinned fault workers, one enclave each, fill 8,188 enclave pages into an EPC of
  2 x 4,096 pages, one pass. The watermarks are set to 1 so that ksgxd never wakes: only
  decrements run, none cancels another, and the drift at the end is the number of updates lost.
  The same fill again with every update stamped (the update log, padded buffers) says how much
  the stamping itself changes what it measures.
- the phased hammer (2 pinned threads, allocate, meet, free, meet): updates lost per million.
- the three-pass runs, the reclaim scenario's defaults: how many hung, the faults served before
  the hang and the drift at it.

Usage: python bench/layout_drift.py [--fills 40] [--hammers 9] [--hangs 20] [--ops 1000000]
Prints one Markdown table, a row per layout: each figure the median, its interval (coverage as the
run count gives it) and the range; then, per layout against the one before it in the table, in how
many rounds its first fill lost more, and in how many less. Asserts nothing. docs/layout.md quotes
its output.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc as sgx
from bench.arguments import positive_int
from pysgxalloc.analysis import MachineInfo, describe, load_average, median_interval, usable_cpus

STRATEGY = "plain_node_lock"
#: Stamps per thread: more than a fill's updates, so none goes unstamped.
STAMPS = 8192


@dataclass
class Layout:
    """One layout and what its runs measured."""

    layout: sgx.MemoryLayout
    fills: list[int] = field(default_factory=list)
    stamped_fills: list[int] = field(default_factory=list)
    lost_per_million: list[float] = field(default_factory=list)
    hangs: int = 0
    hang_runs: int = 0
    faults_at_hang: list[int] = field(default_factory=list)
    drift_at_hang: list[int] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def fill(self, *, stamped: bool) -> None:
        self.loads.append(load_average())
        # 8,188 enclave pages in two enclaves into 2 x 4,096 EPC pages; watermarks at 1: should_reclaim(1)
        # never holds while 4 pages stay free, so no free runs and every update is a decrement.
        result = sgx.reclaim_scenario(
            STRATEGY,
            threads=2,
            nodes=2,
            pages_per_node=4096,
            enclave_pages=8188,
            passes=1,
            low=1,
            high=1,
            pin=True,
            layout=self.layout,
            update_log_limit=STAMPS if stamped else 0,
        )
        if not result.completed:
            raise RuntimeError(f"a first fill did not complete: {result!r}")
        (self.stamped_fills if stamped else self.fills).append(result.drift)

    def hammer(self, ops: int) -> None:
        self.loads.append(load_average())
        result = sgx.hammer(STRATEGY, threads=2, ops=ops, phased=True, pin=True, layout=self.layout)
        self.lost_per_million.append(result.lost_per_million)

    def three_passes(self) -> None:
        self.loads.append(load_average())
        result = sgx.reclaim_scenario(STRATEGY, layout=self.layout)
        self.hang_runs += 1
        if result.hung:
            self.hangs += 1
            self.faults_at_hang.append(result.faults_served)
            self.drift_at_hang.append(result.drift)


def _runs(count: int) -> str:
    return f"{count:,} run" if count == 1 else f"{count:,} runs"


def _median(values: list[int] | list[float], fmt: str) -> str:
    """The median, its interval and the range; a dash when there are none."""
    if not values:
        return "-"
    middle = format(statistics.median(values), fmt)
    spread = f"({format(min(values), fmt)}-{format(max(values), fmt)})"
    return f"{middle} {describe(median_interval(values), fmt)} {spread}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fills", type=positive_int, default=40, help="first fills per layout (each also stamped)"
    )
    parser.add_argument("--hammers", type=positive_int, default=9, help="phased hammer runs per layout")
    parser.add_argument("--hangs", type=positive_int, default=20, help="three-pass runs per layout")
    parser.add_argument("--ops", type=positive_int, default=1_000_000, help="operations per hammer thread")
    args = parser.parse_args(argv)

    layouts = [Layout(layout) for layout in sgx.MemoryLayout]
    for _ in range(args.fills):
        for one in layouts:
            one.fill(stamped=False)
            one.fill(stamped=True)
    for _ in range(args.hammers):
        for one in layouts:
            one.hammer(args.ops)
    for _ in range(args.hangs):
        for one in layouts:
            one.three_passes()

    cpus = usable_cpus()
    load = "2 workers + ksgxd outnumber the CPUs" if cpus < 3 else "every thread has a CPU"
    loads = [value for one in layouts for value in one.loads]
    print(
        f"{STRATEGY} on {MachineInfo.current().description}; {cpus} usable CPUs ({load}); workers pinned; "
        f"1-minute load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print(
        f"first fill: 8,188 pages into 2 x 4,096, one enclave per worker, {_runs(args.fills)} per layout "
        f"(each also stamped); phased hammer: 2 threads x {args.ops:,} ops, {_runs(args.hammers)}; three "
        f"passes: the reclaim defaults (2 workers, 16,384 pages), {_runs(args.hangs)}"
    )
    print()
    print(
        "| layout | lost per first fill | stamped (update log) | hammer lost per million | hung/runs "
        "| faults before the hang | drift at the hang |"
    )
    print("|---|---|---|---|---|---|---|")
    for one in layouts:
        print(
            f"| {one.layout.name} | {_median(one.fills, '.1f')} | {_median(one.stamped_fills, '.1f')} "
            f"| {_median(one.lost_per_million, ',.0f')} | {one.hangs}/{one.hang_runs} "
            f"| {_median(one.faults_at_hang, ',.0f')} | {_median(one.drift_at_hang, '+.1f')} |"
        )
    print()
    for line in _paired_fills(layouts):
        print(line)
    return 0


def _paired_fills(layouts: list[Layout]) -> list[str]:
    """Each round ran every layout's fill in turn, so round i of two layouts is a pair: how many
    pairs each layout lost more in than the one before it (the sign the medians can hide)."""
    lines = []
    for before, after in itertools.pairwise(layouts):
        pairs = list(zip(before.fills, after.fills, strict=True))
        more = sum(1 for first, second in pairs if second > first)
        less = sum(1 for first, second in pairs if second < first)
        lines.append(
            f"paired first fills: {after.layout.name} lost more than {before.layout.name} in {more} of "
            f"{len(pairs)} rounds, less in {less}, as many in {len(pairs) - more - less}"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
