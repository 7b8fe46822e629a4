"""How much the native hammer costs per operation on top of a bare C++ loop, per counter strategy.

For every strategy in ``pysgxalloc.STRATEGIES`` and every thread count, this runs
``bench/reference_loop.cpp`` (a minimal stand-alone program with bare free
lists and locks and the project's own counter strategies, and nothing else) and ``pysgxalloc.hammer()``
(nodes=2, pages_per_node=4096, batch 1) alternately, `repeats` times each, and
compares the medians of their wall nanoseconds per operation per thread
(threads x wall / total operations, the hammer's ``ns_per_op``). Both clocks run
in C++ from the start barrier to the last join, so the Python call is not timed.
A ratio hammer/reference above 1 is what the project's engine (pool bookkeeping,
double-free checks, the churn loop) adds to the bare work. Caveat: at a few ns
per operation, where the code sits (an executable vs a library dlopen'd into
Python) can move either side by 10-30% on some machines, with no code change.

Usage: python bench/native_overhead.py [--ops N] [--repeats R] [--threads 1,2] [--json FILE]
The reference is built with $CXX (default c++) into build/bench/reference_loop,
against the project's counter strategies (csrc/), and rebuilt only when its
source or a header it uses is newer than the binary (delete the binary to
rebuild with another compiler).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc
from bench.arguments import at_least, thread_counts
from pysgxalloc.analysis import usable_cpus

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = REPO_ROOT / "bench" / "reference_loop.cpp"
CSRC = REPO_ROOT / "csrc"
#: What the reference includes from the project: the strategies and their list, nothing above them.
HEADERS = (
    *sorted((CSRC / "base").glob("*.hpp")),
    *sorted((CSRC / "counters").glob("*.hpp")),
    CSRC / "registry" / "builtin_strategies.hpp",
)
BINARY = REPO_ROOT / "build" / "bench" / "reference_loop"
# -z now: Python dlopens the extension with RTLD_NOW, so the reference binds its
# pthread symbols at load time too; lazy binding alone moved it by about 10% here.
CXX_FLAGS = ("-std=c++20", "-O3", "-DNDEBUG", "-pthread", "-Wl,-z,now")
NODES = 2
PAGES_PER_NODE = 4096
SLOWER_THRESHOLD = 1.15  # ratios above this are called out under the table


class BenchError(Exception):
    """A failure the user must fix (no compiler, a build or run error): printed, then exit 1 or 2."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Row:
    """Every sample of one strategy at one thread count, in ns per operation per thread."""

    strategy: str
    threads: int
    oversubscribed: bool
    reference: list[float]
    hammer: list[float]

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    @property
    def hammer_median(self) -> float:
        return statistics.median(self.hammer)

    @property
    def ratio(self) -> float:
        return self.hammer_median / self.reference_median

    def as_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "threads": self.threads,
            "oversubscribed": self.oversubscribed,
            "reference_ns_per_op": self.reference,
            "hammer_ns_per_op": self.hammer,
            "reference_median": self.reference_median,
            "hammer_median": self.hammer_median,
            "ratio": self.ratio,
        }


def compiler_command() -> list[str]:
    """$CXX (c++ when unset or empty) split like a shell would, e.g. "ccache g++"; BenchError if missing."""
    words = shlex.split(os.environ.get("CXX", "")) or ["c++"]
    if shutil.which(words[0]) is None:
        raise BenchError(
            f"C++ compiler {words[0]!r} not found (from $CXX, default c++): install g++ 10+ or clang 13+, "
            "or point $CXX at one",
            exit_code=2,
        )
    return words


def build_reference() -> str:
    """Compiles the reference loop unless the binary is newer than its source; says how it was built."""
    newest = max(path.stat().st_mtime for path in (SOURCE, *HEADERS))
    if BINARY.exists() and BINARY.stat().st_mtime >= newest:
        return f"{BINARY.relative_to(REPO_ROOT)} (up to date, not rebuilt)"
    cxx = compiler_command()
    BINARY.parent.mkdir(parents=True, exist_ok=True)
    partial = BINARY.with_name(BINARY.name + ".partial")
    command = [*cxx, *CXX_FLAGS, "-I", str(CSRC), str(SOURCE), "-o", str(partial)]
    print("building:", shlex.join(command), file=sys.stderr)
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise BenchError(f"compiling {SOURCE} failed (exit {built.returncode}):\n{built.stderr}")
    partial.replace(BINARY)
    return f"{BINARY.relative_to(REPO_ROOT)} (built with {shlex.join([*cxx, *CXX_FLAGS, '-I', 'csrc'])})"


def run_reference(strategy: str, threads: int, ops: int) -> float:
    """One reference run; its ns per operation per thread."""
    command = [str(BINARY), strategy, str(threads), str(ops), str(NODES), str(PAGES_PER_NODE)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"{shlex.join(command)} failed (exit {done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout)
    return float(result["ns_per_op"])


def run_hammer(strategy: pysgxalloc.Strategy, threads: int, ops: int) -> float:
    """One hammer run; its ns per operation per thread."""
    result = pysgxalloc.hammer(strategy, threads=threads, nodes=NODES, pages_per_node=PAGES_PER_NODE, ops=ops)
    return result.ns_per_op


def measure(strategy: pysgxalloc.Strategy, threads: int, ops: int, repeats: int, cpus: int) -> Row:
    """Runs both `repeats` times, interleaved; the order flips every repeat so neither always goes first."""
    reference: list[float] = []
    hammer: list[float] = []
    for repeat in range(repeats):
        if repeat % 2 == 0:
            reference.append(run_reference(strategy.name, threads, ops))
            hammer.append(run_hammer(strategy, threads, ops))
        else:
            hammer.append(run_hammer(strategy, threads, ops))
            reference.append(run_reference(strategy.name, threads, ops))
    return Row(strategy.name, threads, threads > cpus, reference, hammer)


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.2f} ({min(samples):.2f}-{max(samples):.2f})"


def print_table(rows: Sequence[Row], cpus: int) -> None:
    headers = ("strategy", "threads", "reference ns/op (min-max)", "hammer ns/op (min-max)", "hammer/ref")
    cells = [
        (
            row.strategy,
            f"{row.threads}{' *' if row.oversubscribed else ''}",
            spread(row.reference),
            spread(row.hammer),
            f"{row.ratio:.2f}",
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in [headers, *cells]) for column in range(len(headers))]
    print("  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for line in cells:
        print(
            "  ".join(
                cell.ljust(width) if column < 2 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )
    if any(row.oversubscribed for row in rows):
        print(f"* oversubscribed: more threads than the {cpus} usable CPUs; spinning waiters then")
        print("  measure the scheduler, not the code")
    slower = [row for row in rows if row.ratio > SLOWER_THRESHOLD]
    for row in slower:
        print(
            f"note: the hammer is {100 * (row.ratio - 1):.0f}% slower than the reference for {row.strategy} "
            f"at {row.threads} thread(s)"
        )
    if not slower:
        print(f"no strategy is more than {100 * (SLOWER_THRESHOLD - 1):.0f}% slower in the hammer")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ops", type=at_least(2), default=2_000_000, help="ops per thread (default 2e6)")
    parser.add_argument("--repeats", type=at_least(1), default=7, help="runs of each, per row (default 7)")
    parser.add_argument("--threads", type=thread_counts, default=[1, 2], help="thread counts (default 1,2)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every sample and median here")
    args = parser.parse_args(argv)
    ops: int = args.ops
    repeats: int = args.repeats
    threads: list[int] = args.threads

    try:
        reference = build_reference()
        cpus = usable_cpus()
        print(f"native hammer vs bare C++ loop: {NODES} nodes x {PAGES_PER_NODE} pages, batch 1, {ops:,} ops")
        print(f"per thread, {repeats} alternating runs each; medians of ns per operation per thread")
        print(f"usable CPUs: {cpus}; reference: {reference}")
        if any(count > cpus for count in threads):
            print(f"note: thread counts above {cpus} are oversubscribed (marked *)")
        print()
        rows = [
            measure(strategy, count, ops, repeats, cpus)
            for strategy in pysgxalloc.STRATEGIES
            for count in threads
        ]
    except BenchError as error:
        print(f"native_overhead: {error}", file=sys.stderr)
        return error.exit_code

    print_table(rows, cpus)
    if args.json is not None:
        report = {
            "usable_cpus": cpus,
            "ops_per_thread": ops,
            "repeats": repeats,
            "nodes": NODES,
            "pages_per_node": PAGES_PER_NODE,
            "reference": reference,
            "cxx_flags": list(CXX_FLAGS),
            "rows": [row.as_json() for row in rows],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
