"""What one ``EpcPool.alloc()`` + ``free()`` pair costs from Python, against the bare core calls.

Three ways of making the same pair, timed alternately (``timeit``, best of `repeats`, so the
figure is the call's cost and not the machine's load):

- ``EpcPool``: what a user calls (the core checks its integers itself, bindings/int_arg.hpp).
- ``_core.Pool``: the bare pybind11 calls, the floor.
- ``checked in Python``: the same calls behind a Python method that checks each integer
  with ``as_int`` and calls ``super()``, the shape EpcPool had before: what that costs.

Usage: python bench/pool_call_cost.py [--pairs N] [--repeats R]
Prints ns per pair and each one's ratio to the bare core calls; asserts nothing. The pool
is single-threaded here (the GIL is held through each call), so CPU count does not matter,
but a machine busy with other work still slows every figure alike.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable, Sequence

from pysgxalloc import _core
from pysgxalloc._checks import as_int
from pysgxalloc.cli.arguments import at_least
from pysgxalloc.pool import EpcPool


class CheckedInPython(_core.Pool):
    """The core pool behind per-call Python type checks: the wrapper this benchmark measures against."""

    def alloc(self, node: int = 0, slot: int = _core.CALLER_SLOT) -> int | None:
        return super().alloc(as_int("node", node), as_int("slot", slot))

    def free(self, page: int, slot: int = _core.CALLER_SLOT) -> None:
        super().free(as_int("page id", page), as_int("slot", slot))


def pair_of(pool: _core.Pool) -> Callable[[], None]:
    alloc, free = pool.alloc, pool.free

    def pair() -> None:
        free(alloc(0))  # type: ignore[arg-type]  # never None: the pool is never empty here

    return pair


def measure(pairs: int, repeats: int) -> dict[str, float]:
    """Best ns per pair of each kind, the kinds timed alternately."""
    pools: dict[str, _core.Pool] = {
        "EpcPool": EpcPool("atomic", nodes=2, pages_per_node=4096),
        "_core.Pool (bare)": _core.Pool(_core.Strategy.atomic, 2, 4096),
        "checked in Python": CheckedInPython(_core.Strategy.atomic, 2, 4096),
    }
    best = dict.fromkeys(pools, float("inf"))
    for _ in range(repeats):
        for name, pool in pools.items():
            seconds = timeit.timeit(pair_of(pool), number=pairs)
            best[name] = min(best[name], 1e9 * seconds / pairs)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--pairs", type=at_least(1), default=200_000, help="pairs per timing (default: 200000)"
    )
    parser.add_argument("--repeats", type=at_least(1), default=7, help="timings of each kind (default: 7)")
    args = parser.parse_args(argv)
    best = measure(args.pairs, args.repeats)
    bare = best["_core.Pool (bare)"]
    print(f"alloc()+free() from Python, best of {args.repeats} x {args.pairs:,} pairs:")
    for name, ns in best.items():
        print(f"  {name:<20} {ns:7.1f} ns/pair  {ns / bare:5.2f}x the bare core calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
