"""python -m pysgxalloc build HEADER: a user's strategy built into a module, cached, and registered;
with --sanitize thread, built under ThreadSanitizer and hammered under it."""

from __future__ import annotations

import argparse
from typing import Any

from pysgxalloc.cli.loading import loading_errors
from pysgxalloc.counted import counted
from pysgxalloc.user_checks import tsan_hammer
from pysgxalloc.user_strategy import StrategyBuild, build_strategy, load_strategy

PROG = "pysgxalloc build"
HELP = "build a C++ header's counter strategy into a cached module and register it"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build",
        help=HELP,
        description="Compile the counter strategy a C++ header declares (PYSGXALLOC_STRATEGY) into an "
        "extension module with every harness instantiated for it, against the headers this package "
        "ships, with $CXX (else c++, g++ or clang++); cache it by the header's content, the package "
        "version, the compiler and the flags; load it and register it. A second build of the same "
        "header is a load from the cache. Compiling a header runs its code: build only headers you "
        "would run. Then --load HEADER (or $PYSGXALLOC_STRATEGIES) makes its name work in any command.",
    )
    parser.add_argument("header", metavar="HEADER", help="the C++ header that declares the strategy")
    parser.add_argument(
        "--sanitize",
        choices=("thread",),
        help="also build it under ThreadSanitizer and run a hammer of it under TSan, printing its verdict",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with loading_errors():
        build = build_strategy(args.header)
        strategy = load_strategy(args.header)
    print(f"{build.header.name}: strategy {strategy.name} ({strategy.accuracy.name}), {_how(build)}")
    print(f"module: {build.module_path}")
    if args.sanitize == "thread":
        with loading_errors():
            sanitized = build_strategy(args.header, sanitize="thread")
            result = tsan_hammer(args.header, build=sanitized)
        ran = result.ran
        print(f"ThreadSanitizer build: {_how(sanitized)}")
        if result.reports == 0:
            print(f"ThreadSanitizer: no data race reported ({ran})")
        else:
            print(f"ThreadSanitizer: {counted(result.reports, 'report')} of a data race ({ran}); the first:")
            for line in result.first_report:
                print(f"  {line}")
    return 0


def _how(build: StrategyBuild) -> str:
    if build.cached:
        return f"loaded from the cache in {build.seconds:.2f} s"
    return f"built in {build.seconds:.1f} s by {build.compiler.version.split(' ', 1)[-1]}"
