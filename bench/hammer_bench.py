"""The hammer benchmarks' machinery: the suite's options, and one benchmark of one hammer setting.

Kept apart from conftest.py (which holds only pytest's hooks and fixtures) so
that bench files can import the types they use.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench.arguments import engine_names, integer_list, positive_int, strategy_names, thread_counts
from pysgxalloc import Engine, HammerResult, hammer
from pysgxalloc.analysis import usable_cpus

NODES = 2
PAGES_PER_NODE = 4096


@dataclass(frozen=True)
class BenchOptions:
    """The suite's command-line options, parsed and checked."""

    threads: tuple[int, ...]
    strategies: tuple[str, ...]
    engines: tuple[Engine, ...]
    works: tuple[int, ...]
    ops: int
    runs: int
    chunk: int
    pin: bool = True  #: pin the runs whose threads do not outnumber the usable CPUs (--no-pin: none)

    @classmethod
    def from_config(cls, config: pytest.Config) -> BenchOptions:
        """The options as the CLI's argument types read them; a bad one is a usage error."""

        def option(name: str, kind: Callable[[str], Any]) -> Any:
            try:
                return kind(str(config.getoption(name)))
            except argparse.ArgumentTypeError as error:
                raise pytest.UsageError(f"--{name}: {error}") from None

        return cls(
            threads=option("threads", thread_counts),
            strategies=option("strategies", strategy_names),
            engines=option("engines", engine_names),
            works=option("works", integer_list(0)),
            ops=option("ops", positive_int),
            runs=option("runs", positive_int),
            chunk=option("chunk", positive_int),
            pin=not config.getoption("no_pin"),
        )


#: The suite's options, parsed once when pytest starts.
OPTIONS = pytest.StashKey[BenchOptions]()

#: Where python-engine benchmarks leave their ratio to native for the summary at the end.
RATIOS = pytest.StashKey[list[str]]()


@dataclass
class HammerBenchmark:
    """Times `runs` whole hammer runs of one setting and records what they measured in extra_info.

    extra_info: strategy, threads, nodes, pages_per_node, work, engine, chunk, cpus,
    oversubscribed, exact, operations (per run), ops_per_sec (median of the runs, as
    measured inside the run: start barrier to last join) and ops_per_sec_runs, drift
    (median) and drift_runs, counter and true_free (of the last run), pinned,
    running_fraction_runs (each run's least-running thread's CPU time over the wall
    time) and cpu_ns_per_op_runs. With
    ``against_native=True`` a native run of the same setting precedes every timed run,
    untimed, and native_ops_per_sec(_runs) and python_to_native (the ratio of the
    medians) are recorded too, and printed in the summary at the end of the session.
    """

    benchmark: BenchmarkFixture
    options: BenchOptions
    config: pytest.Config
    results: list[HammerResult] = field(default_factory=list)
    native: list[HammerResult] = field(default_factory=list)

    def __call__(
        self,
        strategy: str,
        threads: int,
        engine: Engine = "native",
        work: int = 0,
        against_native: bool = False,
    ) -> list[HammerResult]:
        def run(on: Engine) -> HammerResult:
            return hammer(
                strategy,
                threads=threads,
                nodes=NODES,
                pages_per_node=PAGES_PER_NODE,
                ops=self.options.ops,
                work=work,
                engine=on,
                chunk=self.options.chunk,
                pin=self.options.pin and threads <= usable_cpus(),
            )

        def timed() -> None:
            self.results.append(run(engine))

        def untimed_native() -> None:
            self.native.append(run("native"))

        setup = untimed_native if against_native else None
        # pytest-benchmark leaves pedantic unannotated
        self.benchmark.pedantic(timed, setup=setup, rounds=self.options.runs, iterations=1)  # type: ignore[no-untyped-call]
        self._record(strategy, threads, engine, work)
        return self.results

    def _record(self, strategy: str, threads: int, engine: Engine, work: int) -> None:
        last = self.results[-1]
        rates = [r.ops_per_sec for r in self.results]
        drifts = [r.drift for r in self.results]
        info: dict[str, Any] = {
            "strategy": strategy,
            "threads": threads,
            "nodes": NODES,
            "pages_per_node": PAGES_PER_NODE,
            "work": work,
            "engine": engine,
            "chunk": self.options.chunk if engine == "python" else None,
            "cpus": last.cpus,
            "oversubscribed": last.oversubscribed,
            "exact": last.exact,
            "operations": last.total_ops,
            "ops_per_sec": statistics.median(rates),
            "ops_per_sec_runs": rates,
            "drift": statistics.median(drifts),
            "drift_runs": drifts,
            "counter": last.counter,
            "true_free": last.true_free,
            "pinned": last.pin,
            "running_fraction_runs": [r.min_running_fraction for r in self.results],
            "cpu_ns_per_op_runs": [r.cpu_ns_per_op for r in self.results],
        }
        if self.native:
            native = statistics.median(r.ops_per_sec for r in self.native)
            info["native_ops_per_sec"] = native
            info["native_ops_per_sec_runs"] = [r.ops_per_sec for r in self.native]
            info["python_to_native"] = info["ops_per_sec"] / native
            load = " (oversubscribed)" if last.oversubscribed else ""
            mops = info["ops_per_sec"] / 1e6
            self.config.stash.setdefault(RATIOS, []).append(
                f"{strategy:<18} {threads:>4} threads{load}: {engine} {mops:8.1f} Mops/s, "
                f"native {native / 1e6:8.1f} Mops/s, ratio {info['python_to_native']:.2f} "
                f"(medians of {len(rates)} alternating runs)"
            )
        self.benchmark.extra_info.update(info)
