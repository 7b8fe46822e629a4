"""Every counter strategy's costs side by side: update cost, read cost, accuracy and memory, plus the
padding ablation (what packing the per-node and per-thread cells onto shared cache lines costs).

Per strategy, interleaved round-robin `repeats` times so noise on a shared machine hits all of them:

- update: ``hammer(threads, batch, hold, rounds)``'s wall ns per operation per thread. Each
  iteration allocates `batch` pages then frees them, so percpu_batch's deltas reach its batch and fold.
- read: ``read_cost(writers, batch)``'s ns per read, the cheap read and the exact read, with the
  writers' Mops/s while the cheap reader ran (what the reads cost the writers).
- accuracy: the largest |cheap read - true free pages| seen at any quiescent round end of the update
  runs (workers hold `hold` pages each across the readings, so percpu_batch's unfolded deltas show),
  against the strategy's bound: 0 for exact ones, (batch - 1) x threads for percpu_batch, none for
  the plain ones, whose lost updates nothing bounds.
- memory: bytes of counter state in a pool of `nodes` nodes (``counter_state_bytes``), padded and packed.

Usage: python bench/strategy_costs.py [--threads N] [--ops N] [--repeats R] [--pin] [--json FILE]
(--help lists the rest). On a busy machine, --pin keeps two threads from sharing one CPU, which
otherwise hides contention and false sharing alike.
Prints medians with (min-max); asserts nothing. Runs where threads outnumber usable CPUs are marked.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pysgxalloc as sgx
from pysgxalloc.cli.arguments import at_least
from pysgxalloc.machine import usable_cpus

ABLATION = ("per_node", "percpu_batch", "striped")  # the strategies with per-node or per-thread cells


@dataclass
class Samples:
    """Every sample of one strategy's figures, one entry per repeat."""

    update_ns: list[float] = field(default_factory=list)
    cheap_read_ns: list[float] = field(default_factory=list)
    exact_read_ns: list[float] = field(default_factory=list)
    writer_mops: list[float] = field(default_factory=list)
    max_error: int = 0
    error_bound: int = 0
    packed_update_ns: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    threads: int
    writers: int
    nodes: int
    ops: int
    batch: int
    hold: int
    rounds: int
    counter_batch: int
    pin: bool


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}-{max(samples):.2f})"


def measure_once(strategy: sgx.Strategy, setup: Setup, samples: Samples) -> None:
    """One repeat: update runs (padded, and packed for the ablation), then cheap and exact read runs."""
    update_run = functools.partial(
        sgx.hammer,
        strategy,
        threads=setup.threads,
        nodes=setup.nodes,
        ops=setup.ops,
        batch=setup.batch,
        rounds=setup.rounds,
        hold=setup.hold,
        counter_batch=setup.counter_batch,
        pin=setup.pin,
    )
    run = update_run()
    samples.update_ns.append(run.ns_per_op)
    samples.max_error = max(samples.max_error, int(abs(run.drift_by_round).max()))
    samples.error_bound = run.read_error_bound
    if strategy.name in ABLATION:
        packed = update_run(packed=True)
        samples.packed_update_ns.append(packed.ns_per_op)
    for exact_read, into in ((False, samples.cheap_read_ns), (True, samples.exact_read_ns)):
        reading = sgx.read_cost(
            strategy,
            writers=setup.writers,
            nodes=setup.nodes,
            ops=setup.ops,
            batch=setup.batch,
            exact_read=exact_read,
            counter_batch=setup.counter_batch,
            pin=setup.pin,
        )
        into.append(reading.ns_per_read)
        if not exact_read:
            samples.writer_mops.append(reading.writer_ops_per_sec / 1e6)


def memory(strategy: sgx.Strategy, nodes: int, packed: bool) -> int:
    return sgx.EpcPool(strategy, nodes=nodes, pages_per_node=1, packed=packed).counter_state_bytes


def accuracy_cell(strategy: sgx.Strategy, samples: Samples) -> str:
    bound = "none" if sgx.accuracy(strategy) is sgx.Accuracy.drifts else str(samples.error_bound)
    return f"{samples.max_error} / {bound}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(line[column]) for line in [headers, *rows]) for column in range(len(headers))]
    print("  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for line in rows:
        print(
            "  ".join(
                cell.ljust(width) if column == 0 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )


def report(setup: Setup, results: dict[sgx.Strategy, Samples], cpus: int) -> None:
    update_label = " (oversubscribed)" if setup.threads > cpus else ""
    read_label = " (oversubscribed)" if setup.writers + 1 > cpus else ""
    print(
        f"update: hammer, {setup.threads} threads{update_label}, {setup.nodes} nodes, batch {setup.batch}, "
        f"hold {setup.hold}, {setup.rounds} rounds; read: {setup.writers} writer(s) (batch {setup.batch}) "
        f"+ 1 reader{read_label}; "
        f"percpu_batch counter_batch {setup.counter_batch}; {'pinned' if setup.pin else 'not pinned'}; "
        f"usable CPUs: {cpus}"
    )
    print("figures: median (min-max) of ns; reads are back to back (a throughput cost, not a latency)\n")
    print_table(
        (
            "strategy",
            "update ns/op",
            "cheap read ns",
            "writers Mops/s",
            "exact read ns",
            "max error / bound",
            "bytes padded",
            "bytes packed",
        ),
        [
            (
                strategy.name,
                spread(s.update_ns),
                spread(s.cheap_read_ns),
                spread(s.writer_mops),
                spread(s.exact_read_ns),
                accuracy_cell(strategy, s),
                f"{memory(strategy, setup.nodes, packed=False):,}",
                f"{memory(strategy, setup.nodes, packed=True):,}",
            )
            for strategy, s in results.items()
        ],
    )
    print("\npadding ablation: update ns/op with cells padded (one per 128 bytes) vs packed (shared lines)\n")
    print_table(
        ("strategy", "padded ns/op", "packed ns/op", "packed/padded"),
        [
            (
                strategy.name,
                spread(s.update_ns),
                spread(s.packed_update_ns),
                f"{statistics.median(s.packed_update_ns) / statistics.median(s.update_ns):.2f}",
            )
            for strategy, s in results.items()
            if s.packed_update_ns
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    cpus = usable_cpus()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--threads", type=at_least(1), default=max(2, cpus), help="update threads")
    parser.add_argument(
        "--writers", type=at_least(0), default=max(1, cpus - 1), help="writers beside the reader"
    )
    parser.add_argument("--nodes", type=at_least(1), default=2)
    parser.add_argument("--ops", type=at_least(2), default=2_000_000, help="ops per thread (default 2e6)")
    parser.add_argument("--batch", type=at_least(1), default=64, help="pages per iteration (default 64)")
    parser.add_argument("--hold", type=at_least(0), default=5, help="pages each worker holds (default 5)")
    parser.add_argument("--rounds", type=at_least(1), default=10)
    parser.add_argument("--counter-batch", type=at_least(1), default=sgx.default_counter_batch())
    parser.add_argument("--repeats", type=at_least(1), default=5)
    parser.add_argument("--pin", action="store_true", help="pin thread i to the i-th usable CPU")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every sample here")
    args = parser.parse_args(argv)
    setup = Setup(
        threads=args.threads,
        writers=args.writers,
        nodes=args.nodes,
        ops=args.ops,
        batch=args.batch,
        hold=args.hold,
        rounds=args.rounds,
        counter_batch=args.counter_batch,
        pin=args.pin,
    )
    results = {strategy: Samples() for strategy in sgx.STRATEGIES}
    try:
        for _ in range(args.repeats):
            for strategy, samples in results.items():
                measure_once(strategy, setup, samples)
    except (ValueError, TypeError) as error:
        print(f"strategy_costs: {error}", file=sys.stderr)
        return 2
    report(setup, results, cpus)
    if args.json is not None:
        saved = {"usable_cpus": cpus, "setup": asdict(setup)}
        saved["strategies"] = {strategy.name: asdict(s) for strategy, s in results.items()}
        args.json.write_text(json.dumps(saved, indent=2) + "\n")
        print(f"\nsaved: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
