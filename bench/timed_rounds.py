"""timed_rounds(): a whole run per pytest-benchmark round, and the results of the timed rounds only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pytest_benchmark.fixture import BenchmarkFixture

T = TypeVar("T")


def timed_rounds(benchmark: BenchmarkFixture, run: Callable[[], T], rounds: int) -> list[T]:
    """Time `run` for `rounds` rounds after one warm-up round; return what the timed rounds returned.

    The warm-up's result is not a sample. Under --benchmark-disable pedantic() calls `run`
    once, with no warm-up, and that one result is returned."""
    results: list[T] = []
    # pytest-benchmark leaves pedantic() unannotated
    benchmark.pedantic(  # type: ignore[no-untyped-call]
        lambda: results.append(run()), rounds=rounds, iterations=1, warmup_rounds=1
    )
    return results[-rounds:]
