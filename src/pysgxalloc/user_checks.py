"""What ``pysgxalloc check my_counter.hpp`` runs on one strategy, each check returning its verdict
with its evidence: the explorer (2 threads x 2 ops, 3 threads x 1 op, and the hang search at one
preemption), a short hammer against ``atomic`` in the same run, the reclaim scenario, and
ThreadSanitizer over a hammer where the compiler has its runtime (`tsan_hammer`).

Each check is a `Check`; `check_strategy` runs them all. Nothing here prints (cli/commands/check.py does).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pysgxalloc._core import Accuracy, Strategy
from pysgxalloc.counted import counted, counted_of
from pysgxalloc.errors import StrategyBuildError
from pysgxalloc.explore import ExploreResult, explore, explore_hang
from pysgxalloc.hammer import hammer
from pysgxalloc.intervals import RUNS_FOR_95_RATIO, describe, median_ratio, ratio_interval
from pysgxalloc.machine import usable_cpus
from pysgxalloc.reclaim import reclaim_scenario
from pysgxalloc.user_strategy import StrategyBuild, build_strategy, find_compiler

Verdict = Literal["pass", "fail", "skipped"]

#: The hammer of a check: 2 threads (this machine's cores), phased so lost updates are counted.
CHECK_THREADS = 2
CHECK_OPS = 2_000_000
#: Phased runs for the lost updates.
LOST_RUNS = 3
#: Runs of the strategy and of atomic, alternated: the fewest for a 95% interval of the ratio of medians.
THROUGHPUT_RUNS = RUNS_FOR_95_RATIO
#: Reclaim scenarios per check (each stops at the hang's proof, or when the enclave is done).
RECLAIM_RUNS = 3
#: The TSan hammer: enough operations for the threads to overlap, few enough for the instrumented code.
TSAN_OPS = 200_000
#: A TSan report's first line, as the runtime prints it.
TSAN_WARNING = "WARNING: ThreadSanitizer:"


@dataclass(frozen=True)
class Check:
    """One check of a strategy: what it is, its verdict, and the evidence for it (one line, or a few)."""

    name: str
    verdict: Verdict
    summary: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class TsanResult:
    """A hammer run under ThreadSanitizer: the number of reports and the first one's head (None
    when it printed none), the hammer's drift, and the runtime preloaded."""

    reports: int
    first_report: tuple[str, ...]
    drift: int
    threads: int
    ops: int
    runtime: Path

    @property
    def ran(self) -> str:
        """What ran, in words: ``hammer of 2 threads x 200,000 ops, drift +0``."""
        return (
            f"hammer of {counted(self.threads, 'thread')} x {counted(self.ops, 'op')}, drift {self.drift:+,d}"
        )


def explore_check(strategy: Strategy, threads: int, ops: int) -> Check:
    """Every schedule of `threads` x `ops` updates: exact in all (within the bound for a bounded
    strategy), or the failing schedule with the fewest preemptions."""
    result = explore(strategy, threads=threads, ops=ops)
    name = f"explorer {threads}x{ops}"
    scope = "complete" if result.complete else f"INCOMPLETE ({result.stopped})"
    bounded = strategy.accuracy is Accuracy.bounded
    promise = "within its bound, exact read exact" if bounded else "the count exact"
    if result.first_failure is None:
        verdict: Verdict = "pass" if result.complete else "skipped"
        every = f"{promise} in every schedule ({counted(result.schedules, 'schedule')}, {scope})"
        return Check(name, verdict, every)
    return Check(
        name, "fail", f"{counted_of(result.failing, result.schedules, 'schedule')} lose an update ({scope})",
        _failure_evidence(result),
    )  # fmt: skip


def _failure_evidence(result: ExploreResult) -> tuple[str, ...]:
    failure = result.first_failure
    assert failure is not None
    head = (
        f"first failing schedule ({counted(failure.preemptions, 'preemption')}): "
        f"{' '.join(str(t) for t in failure.schedule)}; counter {failure.counter:,}, "
        f"true free {failure.true_free:,}"
    )
    return (head, *failure.text.splitlines())


def hang_check(strategy: Strategy) -> Check:
    """The explorer's hang search on the reduced reclaim scenario, at one preemption."""
    result = explore_hang(strategy, preemption_bound=1)
    scope = "complete up to 1 preemption" if result.complete else f"INCOMPLETE ({result.stopped})"
    if result.first_failure is None:
        verdict: Verdict = "pass" if result.complete else "skipped"
        return Check(
            "hang search", verdict, f"none of {counted(result.schedules, 'schedule')} hangs ({scope})"
        )
    failure = result.first_failure
    return Check(
        "hang search",
        "fail",
        f"{counted_of(result.failing, result.schedules, 'schedule')} reach the hang ({scope})",
        (
            f"first hanging schedule ({counted(failure.preemptions, 'preemption')}): "
            f"{' '.join(str(t) for t in failure.schedule)}; counter {failure.counter:,}, "
            f"true free {failure.true_free:,}",
        ),
    )


def hammer_checks(strategy: Strategy, *, ops: int = CHECK_OPS) -> list[Check]:
    """A phased hammer (lost updates by direction, drift), `LOST_RUNS` runs; then the throughput
    against ``atomic``, unphased, the two alternated in this one run, `THROUGHPUT_RUNS` each (the
    fewest for a 95% interval of the ratio of their medians)."""
    phased = [hammer(strategy, threads=CHECK_THREADS, ops=ops, phased=True) for _ in range(LOST_RUNS)]
    lost = sum(r.lost_updates for r in phased)
    drifts = [r.drift for r in phased]
    exact_drifts = [r.exact_drift for r in phased]
    concurrent = sum(r.concurrent for r in phased)
    total = sum(r.stats.total_ops for r in phased)
    runs = (
        f"{counted(len(phased), 'phased run')} of {counted(CHECK_THREADS, 'thread')} x {counted(ops, 'op')}"
    )
    ran = f"{concurrent} of {len(phased)} with the threads running at once"
    evidence = (f"drift by run {', '.join(f'{d:+,d}' for d in drifts)}; {ran}",)
    if strategy.accuracy is Accuracy.bounded:
        bound = max(r.stats.read_error_bound for r in phased)
        ok = lost == 0 and all(d == 0 for d in exact_drifts) and all(abs(d) <= bound for d in drifts)
        summary = (
            f"{lost:,} updates lost of {total:,} ({runs}); exact read's |drift| up to "
            f"{max(map(abs, exact_drifts)):,}, cheap read's {max(map(abs, drifts)):,} (bound {bound:,})"
        )
    else:
        ok = lost == 0 and all(d == 0 for d in drifts)
        summary = f"{lost:,} updates lost of {total:,} ({runs}); |drift| up to {max(map(abs, drifts)):,}"
    verdict: Verdict = "pass" if ok else "fail"
    if ok and concurrent == 0:
        # Threads that never ran at once cannot lose an update: the run says nothing either way.
        verdict, summary = "skipped", f"{summary}; inconclusive: no run had its threads running at once"
    checks = [Check("hammer: lost updates", verdict, summary, evidence)]

    mine, reference = [], []
    for _ in range(THROUGHPUT_RUNS):
        mine.append(hammer(strategy, threads=CHECK_THREADS, ops=ops).ops_per_sec)
        reference.append(hammer("atomic", threads=CHECK_THREADS, ops=ops).ops_per_sec)
    ratio = median_ratio(mine, reference)
    interval = describe(ratio_interval(mine, reference), ".2f", THROUGHPUT_RUNS)
    crowded = " (threads outnumber CPUs: this times the scheduler)" if usable_cpus() < CHECK_THREADS else ""
    checks.append(
        Check(
            "hammer: throughput",
            "pass",
            f"{statistics.median(mine) / 1e6:,.1f} Mops/s, {ratio:.2f}x atomic's "
            f"{statistics.median(reference) / 1e6:,.1f} {interval} "
            f"(medians of {counted(THROUGHPUT_RUNS, 'run')} each, alternated){crowded}",
        )
    )
    return checks


def reclaim_check(strategy: Strategy, runs: int = RECLAIM_RUNS) -> Check:
    """The threaded reclaim scenario, `runs` times: how many hung (the absorbing state, proven)."""
    results = [reclaim_scenario(strategy) for _ in range(runs)]
    hung = sum(r.hung for r in results)
    completed = sum(r.completed for r in results)
    drifts = ", ".join(f"{r.drift:+,d}" for r in results)
    evidence = (f"drift at the end by run: {drifts}",)
    if hung:
        return Check("reclaim scenario", "fail", f"{counted_of(hung, runs, 'run')} hung", evidence)
    verdict: Verdict = "pass" if completed == runs else "fail"
    return Check(
        "reclaim scenario", verdict, f"{counted_of(completed, runs, 'run')} completed, none hung", evidence
    )


def tsan_runtime() -> Path | None:
    """The ThreadSanitizer runtime the compiler links against, or None where it has none, or where
    this process runs under another sanitizer's preloaded runtime (CI's AddressSanitizer stage: a
    child with TSan's instead could not load this process's instrumented core)."""
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        return None
    compiler = find_compiler()
    try:
        done = subprocess.run(
            [*compiler.command, "-print-file-name=libtsan.so"], capture_output=True, text=True, timeout=60
        )
    except OSError:
        return None
    path = Path(done.stdout.strip())
    return path if path.is_absolute() and path.is_file() else None


def tsan_hammer(
    path: str | os.PathLike[str],
    *,
    threads: int = CHECK_THREADS,
    ops: int = TSAN_OPS,
    build: StrategyBuild | None = None,
) -> TsanResult:
    """Build the header under ThreadSanitizer and run a hammer of it in a child process with the
    runtime preloaded (Python itself is not instrumented); returns what TSan reported.
    StrategyBuildError where the compiler has no TSan runtime or the build fails."""
    runtime = tsan_runtime()
    if runtime is None:
        raise StrategyBuildError(
            "the C++ compiler has no ThreadSanitizer runtime (libtsan.so): install it to use TSan"
        )
    built = build if build is not None else build_strategy(path, sanitize="thread")
    env = dict(
        os.environ, LD_PRELOAD=str(runtime), TSAN_OPTIONS="exitcode=0 halt_on_error=0 report_signal_unsafe=0"
    )
    # The runtime is for the child alone, not for what it starts: a development (editable) install
    # runs cmake at import to keep the core current, and cmake crashes under TSan's runtime.
    child = (
        "import os; del os.environ['LD_PRELOAD']; "
        "from pysgxalloc.user_checks import _tsan_child; _tsan_child()"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(built.module_path), built.module_name, str(threads), str(ops)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    result_line = next((line for line in reversed(done.stdout.splitlines()) if line.startswith("{")), None)
    if done.returncode != 0 or result_line is None:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise StrategyBuildError(f"{built.header}: the hammer under ThreadSanitizer failed: {tail}")
    outcome = json.loads(result_line)
    return TsanResult(
        reports=done.stderr.count(TSAN_WARNING),
        first_report=tuple(_first_report(done.stderr.splitlines())),
        drift=int(outcome["drift"]),
        threads=threads,
        ops=ops,
        runtime=runtime,
    )


def _first_report(lines: list[str]) -> Iterator[str]:
    """The first report's warning and the first frames of each of its stacks."""
    start = next((i for i, line in enumerate(lines) if TSAN_WARNING in line), None)
    if start is None:
        return
    shown = 0
    for line in lines[start:]:
        if line.startswith("SUMMARY:") or shown >= 8:
            break
        if TSAN_WARNING in line or line.lstrip().startswith(
            ("#0 ", "#1 ", "Previous", "Read", "Write", "Atomic")
        ):
            yield line.strip()
            shown += 1


def _tsan_child() -> None:
    """The child `tsan_hammer` runs: register the instrumented module and hammer it; one JSON line out."""
    import pysgxalloc as sgx
    from pysgxalloc.user_strategy import StrategyBuild, import_module, register_module

    module_path, module_name, threads, ops = sys.argv[1:5]
    build = StrategyBuild(
        Path(module_path), Path(module_path), module_name, "", True, 0.0, "thread", find_compiler()
    )
    strategy = register_module(import_module(build), source=module_path)
    result = sgx.hammer(strategy, threads=int(threads), ops=int(ops))
    print(json.dumps({"drift": result.drift, "name": strategy.name}))


def tsan_check(path: Path) -> Check:
    """TSan's verdict over a hammer, or skipped (and why) where the compiler has no runtime."""
    if tsan_runtime() is None:
        return Check(
            "ThreadSanitizer",
            "skipped",
            "no TSan runtime here (the compiler's libtsan.so, no other sanitizer)",
        )
    result = tsan_hammer(path)
    ran = result.ran
    if result.reports == 0:
        return Check("ThreadSanitizer", "pass", f"no data race reported ({ran})")
    return Check(
        "ThreadSanitizer",
        "fail",
        f"{counted(result.reports, 'report')} of a data race ({ran})",
        result.first_report,
    )


def check_strategy(
    path: str | os.PathLike[str], *, on_check: Callable[[str], None] | None = None
) -> list[Check]:
    """Load the header's strategy and run every check on it, in the order `pysgxalloc check` prints
    them; `on_check` is told each check's name before it runs (a progress display)."""
    from pysgxalloc.user_strategy import load_strategy

    strategy = load_strategy(path)
    checks: list[Check] = []
    steps: list[tuple[str, Callable[[], list[Check]]]] = [
        ("explorer 2x2", lambda: [explore_check(strategy, 2, 2)]),
        ("explorer 3x1", lambda: [explore_check(strategy, 3, 1)]),
        ("hang search", lambda: [hang_check(strategy)]),
        ("hammer", lambda: hammer_checks(strategy)),
        ("reclaim scenario", lambda: [reclaim_check(strategy)]),
        ("ThreadSanitizer", lambda: [tsan_check(Path(path))]),
    ]
    for name, step in steps:
        if on_check is not None:
            on_check(name)
        checks.extend(step())
    return checks
