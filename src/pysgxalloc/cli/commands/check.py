"""python -m pysgxalloc check HEADER: every check of a user's strategy, one verdict table.

The checks are pysgxalloc.user_checks's: the explorer (2 threads x 2 ops, 3 threads x 1 op, the
hang search at one preemption), a short hammer against atomic in the same run, the reclaim
scenario, and ThreadSanitizer where the compiler has its runtime. Exit code 0 whatever the
verdicts (a failing check is a finding, not an error); 2 when the header does not build.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from pysgxalloc.cli._console import stderr_console, stdout_console, table
from pysgxalloc.cli.loading import loading_errors
from pysgxalloc.user_checks import Check, check_strategy
from pysgxalloc.user_strategy import load_strategy

PROG = "pysgxalloc check"
HELP = "check a C++ header's counter strategy: explorer, hang search, hammer, reclaim scenario, TSan"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help=HELP,
        description="Build (or find cached) the counter strategy a C++ header declares, then run on it, "
        "in about a minute on 2 cores: the schedule explorer over every interleaving of 2 threads x 2 ops "
        "and of 3 threads x 1 op, the hang search of the reduced reclaim scenario at one preemption, a "
        "short phased hammer (lost updates, drift) with its throughput against atomic in the same run, "
        "the threaded reclaim scenario, and, where the compiler has its runtime, a hammer under "
        "ThreadSanitizer. Prints one verdict per check with its evidence. Compiling a header runs its code.",
    )
    parser.add_argument("header", metavar="HEADER", help="the C++ header that declares the strategy")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with loading_errors():
        strategy = load_strategy(args.header)
    notes = stderr_console()
    with loading_errors(), notes.status("checking") as status:
        checks = check_strategy(args.header, on_check=lambda name: status.update(f"running {name}"))
    out = stdout_console()
    out.print(f"{PROG} {args.header}: strategy {strategy.name} ({strategy.accuracy.name})")
    out.print(verdict_table(checks))
    for check in checks:
        if check.evidence:
            out.print(f"\n{check.name}:")
            for line in check.evidence:
                out.print(f"  {line}", markup=False)
    failed = [c.name for c in checks if c.verdict == "fail"]
    out.print(
        f"\n{len(failed)} of {len(checks)} checks failed" + (f": {', '.join(failed)}" if failed else "")
    )
    return 0


def verdict_table(checks: list[Check]) -> Table:
    out = table()
    out.add_column("check")
    out.add_column("verdict")
    out.add_column("evidence")
    for check in checks:
        out.add_row(check.name, check.verdict, check.summary)
    return out
