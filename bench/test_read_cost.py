"""pytest-benchmark: the cost of one counter read while writers churn, per strategy and read kind.

Each benchmark round is one whole ``read_cost()`` run (writers plus one reader, all in C++), timed by
pytest-benchmark's wall clock; the figures that matter are measured in C++ and saved in
``extra_info``: ns per read (back-to-back reads: a throughput cost, not a latency), the writers'
Mops/s while the reader ran, and whether writers plus reader outnumber the usable CPUs. Writers use
read_cost()'s default batch of 64 pages, so percpu_batch's deltas fold as they would under real
traffic.

Run: python -m pytest bench/test_read_cost.py --benchmark-only
Nothing here asserts a speed; the figures are printed and saved for comparison.
"""

from __future__ import annotations

import statistics

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import pysgxalloc as sgx
from bench.timed_rounds import timed_rounds
from pysgxalloc.machine import usable_cpus

OPS = 2_000_000  # per writer
ROUNDS = 5
WRITERS = max(1, usable_cpus() - 1)  # writers plus the reader fill the usable CPUs when there are 2+


@pytest.mark.parametrize("exact_read", [False, True], ids=["cheap", "exact"])
@pytest.mark.parametrize("strategy", [s.name for s in sgx.STRATEGIES])
def test_read_cost(benchmark: BenchmarkFixture, strategy: str, exact_read: bool) -> None:
    measured = timed_rounds(
        benchmark, lambda: sgx.read_cost(strategy, writers=WRITERS, ops=OPS, exact_read=exact_read), ROUNDS
    )
    ns_per_read = sorted(r.ns_per_read for r in measured)
    writer_mops = sorted(r.writer_ops_per_sec / 1e6 for r in measured)
    benchmark.extra_info.update(
        {
            "writers": WRITERS,
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
        f"\n{strategy} {'exact' if exact_read else 'cheap'} read, {WRITERS} writer(s){label}: "
        f"{benchmark.extra_info['ns_per_read_median']:.2f} ns/read, "
        f"writers {benchmark.extra_info['writer_mops_median']:.1f} Mops/s"
    )
