"""Benchmark: how long one whole reclaim scenario takes to complete, per exact strategy.

One round is one complete scenario with the package's defaults (2 pinned fault workers,
2 nodes x 4096 pages, an enclave twice the EPC, 3 passes), timed wall-clock around the
call by pytest-benchmark, so thread start-up and the final conservation check count too.
The C++-measured figures (elapsed time from the start line, faults, retries, reclaimer
wake-ups) go into ``extra_info`` as medians over the rounds, beside the machine's CPU
count and whether the workers outnumber it. Only exact strategies are timed: the others
hang by design, and a hung run's time is the watchdog's stall_seconds, not a speed. The
suite's options apply: --strategies (the exact ones among them), --threads (fault workers)
and --runs (timed rounds).

    python -m pytest bench/test_reclaim_benchmark.py
    python -m pytest bench/test_reclaim_benchmark.py --benchmark-disable   # one run each, as a smoke test
"""

from __future__ import annotations

import statistics

from pytest_benchmark.fixture import BenchmarkFixture

import pysgxalloc as sgx
from bench.hammer_bench import BenchOptions
from bench.timed_rounds import timed_rounds


def test_reclaim_scenario_completion_time(
    benchmark: BenchmarkFixture, bench_options: BenchOptions, bench_exact_strategy: str, bench_threads: int
) -> None:
    strategy = bench_exact_strategy
    results = timed_rounds(
        benchmark, lambda: sgx.reclaim_scenario(strategy, threads=bench_threads), bench_options.runs
    )

    hung = [r for r in results if not r.completed]
    assert not hung, f"an exact strategy hung (a bug in the model): {hung[0]}"
    first = results[0]

    def median(field: str) -> float:
        return float(statistics.median(float(getattr(r, field)) for r in results))

    benchmark.extra_info.update(
        benchmark="reclaim",
        strategy=strategy,
        threads=first.threads,
        cpus=first.cpus,
        oversubscribed=first.oversubscribed,
        pinned=first.pin,
        nodes=first.nodes,
        pages_per_node=first.pages_per_node,
        enclave_pages=first.enclave_pages,
        passes=first.passes,
        runs=len(results),
        elapsed_seconds_median=median("elapsed_seconds"),
        faults_median=median("faults_served"),
        fault_retries_median=median("fault_retries"),
        reclaimer_wakeups_median=median("reclaimer_wakeups"),
        pages_reclaimed_median=median("pages_reclaimed"),
    )
