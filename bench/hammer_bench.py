"""The hammer benchmarks' machinery: the suite's options, and one benchmark of one hammer setting.

Kept apart from conftest.py (which holds only pytest's hooks and fixtures) so
that bench files can import the types they use.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pysgxalloc import HammerResult, hammer
from pysgxalloc.hammer import ENGINES, Engine, parse_engine
from pysgxalloc.strategy import STRATEGIES, parse_strategy

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

    @classmethod
    def from_config(cls, config: pytest.Config) -> BenchOptions:
        def option(name: str) -> str:
            return str(config.getoption(name))

        try:
            strategies = option("strategies")
            engines = option("engines")
            return cls(
                threads=_integers(option("threads"), "--threads", low=1),
                strategies=tuple(s.name for s in STRATEGIES)
                if strategies == "all"
                else tuple(parse_strategy(s).name for s in _items(strategies, "--strategies")),
                engines=ENGINES
                if engines == "all"
                else tuple(parse_engine(e) for e in _items(engines, "--engines")),
                works=_integers(option("works"), "--works", low=0),
                ops=_integers(option("ops"), "--ops", low=1)[0],
                runs=_integers(option("runs"), "--runs", low=1)[0],
                chunk=_integers(option("chunk"), "--chunk", low=1)[0],
            )
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None


def _items(text: str, flag: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError(f"{flag} needs at least one value")
    return items


def _integers(text: str, flag: str, low: int) -> tuple[int, ...]:
    try:
        values = tuple(int(item) for item in _items(text, flag))
    except ValueError:
        raise ValueError(f"{flag} takes comma-separated integers, got {text!r}") from None
    if any(value < low for value in values):
        raise ValueError(f"{flag} values must be at least {low}, got {text!r}")
    return values


#: Where python-engine benchmarks leave their ratio to native for the summary at the end.
RATIOS = pytest.StashKey[list[str]]()


@dataclass
class HammerBenchmark:
    """Times `runs` whole hammer runs of one setting and records what they measured in extra_info.

    extra_info: strategy, threads, nodes, pages_per_node, work, engine, chunk, cpus,
    oversubscribed, exact, operations (per run), ops_per_sec (median of the runs, as
    measured inside the run: start barrier to last join) and ops_per_sec_runs, drift
    (median) and drift_runs, counter and true_free (of the last run). With
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
