"""python -m pysgxalloc: every counter strategy hammered side by side on this machine."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pysgxalloc.commands import reclaim
from pysgxalloc.compare import compare_strategies, format_table, verdict


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pysgxalloc",
        description="Hammer every free-page counter strategy of the SGX EPC allocator model from many "
        "OS threads and compare throughput and drift (counter minus true free pages).",
    )
    parser.add_argument("--threads", type=positive_int, help="worker threads (default: max(2, usable CPUs))")
    parser.add_argument("--nodes", type=positive_int, default=2, help="NUMA nodes (default: 2)")
    parser.add_argument("--pages-per-node", type=positive_int, default=4096, help="default: 4096")
    parser.add_argument(
        "--ops", type=positive_int, default=2_000_000, help="operations per thread (default: 2e6)"
    )
    parser.add_argument("--repeats", type=positive_int, default=5, help="runs per strategy (default: 5)")
    commands = parser.add_subparsers(dest="command", title="commands (none: the demo above)")
    reclaim.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is not None:
        return int(args.run(args))
    try:
        summaries = compare_strategies(
            threads=args.threads,
            nodes=args.nodes,
            pages_per_node=args.pages_per_node,
            ops=args.ops,
            repeats=args.repeats,
        )
    except (ValueError, TypeError) as error:
        print(f"pysgxalloc: error: {error}", file=sys.stderr)
        return 2
    first = summaries[0]
    load = "threads outnumber CPUs: oversubscribed" if first.oversubscribed else "threads <= CPUs"
    print(
        f"pysgxalloc: {first.threads} threads on {args.nodes} nodes, {first.cpus} usable CPUs ({load}), "
        f"{args.ops:,} ops per thread, {args.repeats} runs per strategy"
    )
    print(format_table(summaries))
    print(verdict(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
