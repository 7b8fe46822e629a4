"""Options and fixtures of the pytest-benchmark suite in bench/.

    pytest bench/                                  # defaults sized for 2 cores: well under a minute
    pytest bench/ --threads 1,2,4,8,16,32,64       # a 64-core server
    pytest bench/ --strategies atomic,per_node --engines native --ops 5000000 --runs 5
    pytest bench/test_throughput.py --engines python --chunk 10000   # python/native ratios, small chunks
    pytest bench/ --benchmark-json=out.json        # then: python -m pysgxalloc report out.json
    pytest bench/ --benchmark-autosave             # later: pytest bench/ --benchmark-compare
    pytest bench/ --benchmark-disable              # every benchmark once, as a test (what CI runs)

Each hammer benchmark times whole hammer runs (threads started and joined
inside) with ``benchmark.pedantic`` and records the figures measured inside the
run in ``benchmark.extra_info`` (see `HammerBenchmark`); ``pysgxalloc report``
reads them back.

Parametrization by name: a test taking ``bench_strategy``, ``bench_exact_strategy``
(the chosen strategies that never drift), ``bench_threads``, ``bench_engine`` or
``bench_work`` runs once per value chosen on the command line. Every bench file
uses these, so every option applies to every benchmark it can:

    option        throughput  drift  read cost              reclaim
    --strategies  yes         yes    yes                    the exact ones
    --threads     yes         yes    writers + the reader   fault workers
    --engines     yes         -      -                      -
    --works       -           yes    -                      -
    --ops         yes         yes    per writer             -
    --runs        yes         yes    yes                    yes
    --chunk       python      -      -                      -
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench.hammer_bench import OPTIONS, RATIOS, BenchOptions, HammerBenchmark
from pysgxalloc import HammerSettings, is_exact
from pysgxalloc.analysis import usable_cpus

#: The Python engine's chunk where --chunk does not say.
DEFAULT_CHUNK = HammerSettings.chunk


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pysgxalloc", "pysgxalloc benchmarks (bench/)")
    group.addoption("--threads", default="1,2", help="comma list of thread counts (default: 1,2)")
    group.addoption(
        "--strategies", default="all", help="comma list of counter strategies, or all (default: all)"
    )
    group.addoption(
        "--engines", default="all", help="comma list of engines: native, python, or all (default: all)"
    )
    group.addoption(
        "--works",
        default="0,100,1000",
        help="comma list of busy-loop turns between operations, "
        "for the drift benchmarks (default: 0,100,1000)",
    )
    group.addoption("--ops", default="1000000", help="operations per thread in every run (default: 1000000)")
    group.addoption("--runs", default="3", help="timed hammer runs per benchmark (default: 3)")
    group.addoption(
        "--no-pin",
        action="store_true",
        help="let the scheduler place every thread (default: pin runs whose threads fit the usable CPUs)",
    )
    group.addoption(
        "--chunk",
        default=str(DEFAULT_CHUNK),
        help=f"python engine: operations per Pool.churn call (default: {DEFAULT_CHUNK})",
    )


def pytest_configure(config: pytest.Config) -> None:
    # parsed once, before collection, so a bad value is a plain usage error
    config.stash[OPTIONS] = BenchOptions.from_config(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wanted = [
        name
        for name in ("bench_strategy", "bench_exact_strategy", "bench_threads", "bench_engine", "bench_work")
        if name in metafunc.fixturenames
    ]
    if not wanted:
        return
    options = metafunc.config.stash[OPTIONS]
    choices: dict[str, tuple[Sequence[Any], Callable[[Any], str]]] = {
        "bench_strategy": (options.strategies, str),
        "bench_exact_strategy": (tuple(s for s in options.strategies if is_exact(s)), str),
        "bench_threads": (options.threads, lambda count: f"{count}threads"),
        "bench_engine": (options.engines, str),
        "bench_work": (options.works, lambda turns: f"work{turns}"),
    }
    for name in wanted:
        values, label = choices[name]
        metafunc.parametrize(name, values, ids=label)


@pytest.fixture(scope="session")
def bench_options(pytestconfig: pytest.Config) -> BenchOptions:
    return pytestconfig.stash[OPTIONS]


@pytest.fixture
def hammer_benchmark(
    benchmark: BenchmarkFixture, bench_options: BenchOptions, pytestconfig: pytest.Config
) -> HammerBenchmark:
    return HammerBenchmark(benchmark, bench_options, pytestconfig)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    lines = config.stash.get(RATIOS, [])
    if lines:
        terminalreporter.section(f"python engine throughput / native engine ({usable_cpus()} usable CPUs)")
        for line in lines:
            terminalreporter.write_line(line)
