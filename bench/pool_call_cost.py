"""What one ``EpcPool.alloc()`` + ``free()`` pair costs from Python, against the bare core calls.

Three ways of making the same pair, timed alternately (``timeit``, best of `repeats`, so the
figure is the call's cost and not the machine's load):

- ``EpcPool``: what a user calls (the core checks its integers itself, bindings/int_arg.hpp).
- ``_core.Pool``: the bare pybind11 calls of the core's own class (EpcPool's base), the floor.
- ``checked in Python``: the same calls behind a Python method that checks each integer
  as pysgxalloc's ``as_int`` does and calls ``super()``, the shape EpcPool had before: what
  that costs.

Usage: python bench/pool_call_cost.py [--pairs N] [--repeats R]
Prints ns per pair and each one's ratio to the bare core calls; asserts nothing. The pool
is single-threaded here (the GIL is held through each call), so CPU count does not matter,
but a machine busy with other work still slows every figure alike.
"""

from __future__ import annotations

import argparse
import operator
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

import pysgxalloc as sgx
from bench.arguments import at_least

#: The core's own pool class, EpcPool's base: EpcPool's alloc() and free() are its own methods
#: (tests/test_api_surface.py), so this is the same call on a plain core object.
CorePool: Any = sgx.EpcPool.__mro__[1]


def as_int(name: str, value: object) -> int:
    """What pysgxalloc checks of an integer argument: no bool, anything with __index__, 64 bits."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"{name} must fit in a signed 64-bit integer")
    return number


class CheckedInPython(sgx.EpcPool):
    """The pool behind per-call Python type checks: the wrapper this benchmark measures against."""

    def alloc(self, node: int = 0, slot: int = sgx.CALLER_SLOT) -> int | None:
        return super().alloc(as_int("node", node), as_int("slot", slot))

    def free(self, page: int, slot: int = sgx.CALLER_SLOT) -> None:
        super().free(as_int("page id", page), as_int("slot", slot))


def pair_of(pool: sgx.EpcPool) -> Callable[[], None]:
    alloc, free = pool.alloc, pool.free

    def pair() -> None:
        free(alloc(0))  # type: ignore[arg-type]  # never None: the pool is never empty here

    return pair


def measure(pairs: int, repeats: int) -> dict[str, float]:
    """Best ns per pair of each kind, the kinds timed alternately."""
    pools: dict[str, sgx.EpcPool] = {
        "EpcPool": sgx.EpcPool("atomic", nodes=2, pages_per_node=4096),
        "_core.Pool (bare)": CorePool(sgx.Strategy.atomic, 2, 4096),
        "checked in Python": CheckedInPython("atomic", nodes=2, pages_per_node=4096),
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
