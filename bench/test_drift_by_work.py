"""Drift by strategy x thread count x work: how often counter updates collide, as real code spreads them.

`work` is the busy-loop turns between two operations; the more of it, the rarer
two threads update the counter at the same moment, and the smaller the drift of
the plain strategies. Drift is measured (extra_info drift and drift_runs), never
assumed; the exact strategies must show none.
"""

from __future__ import annotations

from bench.hammer_bench import HammerBenchmark


def test_drift(
    hammer_benchmark: HammerBenchmark, bench_strategy: str, bench_threads: int, bench_work: int
) -> None:
    for result in hammer_benchmark(bench_strategy, bench_threads, "native", work=bench_work):
        assert result.true_free == result.nodes * result.pages_per_node, "the lists lost pages"
        if result.exact:
            assert result.drift == 0, result
