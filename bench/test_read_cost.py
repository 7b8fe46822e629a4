"""pytest-benchmark: the cost of one counter read while writers churn, per strategy and read kind.

Each benchmark round is one whole ``read_cost()`` run (writers plus one reader, all in C++), timed by
pytest-benchmark's wall clock; the figures that matter are measured in C++ and saved in
``extra_info``: ns per read (back-to-back reads: a throughput cost, not a latency), the writers'
Mops/s while the reader ran, and whether writers plus reader outnumber the usable CPUs. Writers use
read_cost()'s default batch of 64 pages, so percpu_batch's deltas fold as they would under real
traffic. The suite's options apply: --strategies, --threads (writers plus the reader: 1 is the
reader alone), --ops (per writer) and --runs (timed rounds).

Run: python -m pytest bench/test_read_cost.py --benchmark-only
Nothing here asserts a speed; the figures are printed and saved for comparison (``pysgxalloc report``).
"""

from __future__ import annotations

import statistics

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import pysgxalloc as sgx
from bench.hammer_bench import BenchOptions
from bench.timed_rounds import timed_rounds
from pysgxalloc.analysis import usable_cpus


@pytest.mark.parametrize("exact_read", [False, True], ids=["cheap", "exact"])
def test_read_cost(
    benchmark: BenchmarkFixture,
    bench_options: BenchOptions,
    bench_strategy: str,
    bench_threads: int,
    exact_read: bool,
) -> None:
    writers = bench_threads - 1
    measured = timed_rounds(
        benchmark,
        lambda: sgx.read_cost(bench_strategy, writers=writers, ops=bench_options.ops, exact_read=exact_read),
        bench_options.runs,
    )
    ns_per_read = sorted(r.ns_per_read for r in measured)
    writer_mops = sorted(r.writer_ops_per_sec / 1e6 for r in measured)
    benchmark.extra_info.update(
        {
            "benchmark": "read_cost",
            "strategy": bench_strategy,
            "read": "exact" if exact_read else "cheap",
            "threads": bench_threads,
            "writers": writers,
            "cpus": usable_cpus(),
            "usable_cpus": usable_cpus(),
            "oversubscribed": measured[0].oversubscribed,
            "ns_per_read": ns_per_read,
            "ns_per_read_median": statistics.median(ns_per_read),
            "writer_mops": writer_mops,
            "writer_mops_median": statistics.median(writer_mops),
            "counter_batch": measured[0].counter_batch,
        }
    )
    label = " (oversubscribed)" if measured[0].oversubscribed else ""
    print(
        f"\n{bench_strategy} {'exact' if exact_read else 'cheap'} read, {writers} writer(s){label}: "
        f"{benchmark.extra_info['ns_per_read_median']:.2f} ns/read, "
        f"writers {benchmark.extra_info['writer_mops_median']:.1f} Mops/s"
    )
