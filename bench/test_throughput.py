"""Throughput by strategy x thread count x engine: one whole hammer run per timed round.

The python-engine benchmarks also run the native engine on the same setting,
alternately and untimed, and record their ratio (python_to_native), which the
session summary prints: with chunks of 100,000 operations (the default) the
Python team should reach at least 80% of the native one.
"""

from __future__ import annotations

from bench.hammer_bench import BenchOptions, HammerBenchmark
from pysgxalloc import Engine


def test_throughput(
    hammer_benchmark: HammerBenchmark,
    bench_options: BenchOptions,
    bench_strategy: str,
    bench_threads: int,
    bench_engine: Engine,
) -> None:
    results = hammer_benchmark(
        bench_strategy, bench_threads, bench_engine, against_native=bench_engine == "python"
    )
    for result in results:
        # every thread ran its whole share, and every page came back
        assert result.total_ops == bench_threads * bench_options.ops
        assert result.true_free == result.nodes * result.pages_per_node
        if result.exact:
            assert result.drift == 0, result
