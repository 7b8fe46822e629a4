"""hammer(engine="python"): Python threads run the native hammer's traffic and report the same result."""

from __future__ import annotations

import _thread
import signal
import threading
import time

import numpy as np
import pytest

import pysgxalloc as sgx
from pysgxalloc import _core
from pysgxalloc._test_hooks import failing_worker
from pysgxalloc.hammer import check_hammer_settings
from pysgxalloc.hammer_settings import Engine, HammerSettings
from pysgxalloc.machine import usable_cpus

ALL = [s.name for s in sgx.STRATEGIES]


def workers_still_running() -> list[threading.Thread]:
    """Python-engine workers alive a moment after a run returned or raised (they only have to exit)."""
    workers = [t for t in threading.enumerate() if t.name.startswith("pysgxalloc-worker-")]
    for worker in workers:
        worker.join(timeout=5)
    return [worker for worker in workers if worker.is_alive()]


@pytest.mark.parametrize("strategy", ALL)
def test_one_python_thread_counts_exactly_with_every_strategy(strategy: str) -> None:
    res = sgx.hammer(strategy, threads=1, ops=20_000, rounds=4, engine="python")
    assert res.engine == "python"
    assert res.drift_by_round.tolist() == [0, 0, 0, 0]
    assert res.counter == res.true_free == 2 * 4096


def test_each_python_worker_runs_the_same_share_as_a_native_worker() -> None:
    native = sgx.hammer("atomic", threads=3, ops=1000, batch=4, rounds=3, engine="native")
    python = sgx.hammer("atomic", threads=3, ops=1000, batch=4, rounds=3, engine="python")
    assert python.per_thread_ops.dtype == np.int64
    assert python.per_thread_ops.tolist() == native.per_thread_ops.tolist() == [1008] * 3
    assert python.total_ops == native.total_ops


def test_small_chunks_split_the_same_share_into_more_calls() -> None:
    res = sgx.hammer("per_node", threads=2, ops=10_000, batch=4, rounds=2, engine="python", chunk=1)
    assert res.per_thread_ops.tolist() == [10_000, 10_000]


def test_python_engine_counts_failed_allocations_like_the_native_one() -> None:
    res = sgx.hammer("atomic", threads=1, nodes=2, pages_per_node=3, ops=20, batch=10, engine="python")
    assert (res.alloc_failures, res.total_ops, res.true_free) == (4, 16, 6)


def test_python_engine_reads_drift_once_per_round_and_times_the_run() -> None:
    res = sgx.hammer("per_node", threads=2, ops=10_000, rounds=7, engine="python")
    assert res.drift_by_round.shape == (7,)
    assert res.wall_seconds > 0
    assert res.ops_per_sec == pytest.approx(res.total_ops / res.wall_seconds)
    assert "engine=python" in repr(res)


def test_pinned_python_workers_run_to_completion() -> None:
    res = sgx.hammer("per_node", threads=3, ops=10_000, pin=True, engine="python")
    assert res.pin and res.drift == 0
    assert res.per_thread_ops.tolist() == [10_000] * 3


def test_oversubscribed_python_runs_are_flagged() -> None:
    res = sgx.hammer("atomic", threads=usable_cpus() + 1, ops=1000, engine="python")
    assert res.oversubscribed


def test_a_python_worker_error_is_raised_after_every_thread_joined() -> None:
    with pytest.raises(RuntimeError, match="worker 1 failed on request"), failing_worker(1):
        sgx.hammer("atomic", threads=3, ops=100_000, rounds=3, engine="python")
    assert workers_still_running() == []
    assert sgx.hammer("atomic", threads=3, ops=1000, engine="python").drift == 0


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"threads": 0}, ValueError, "threads must be between 1 and 1024, got 0"),
        ({"rounds": 0}, ValueError, "rounds must be between 1 and"),
        ({"nodes": 0}, ValueError, "nodes must be between 1 and 1024"),
        ({"work": -1}, ValueError, "work must be between 0 and"),
        ({"chunk": 0}, ValueError, "chunk must be at least 1, got 0"),
        ({"chunk": 1e4}, TypeError, "chunk must be an int, got float"),
        ({"engine": "rust"}, ValueError, "unknown engine 'rust'; choose one of: native, python"),
        ({"engine": 1}, TypeError, "engine must be a str, got int"),
    ],
)
def test_bad_arguments_are_refused_before_any_thread_starts(
    arguments: dict[str, object], error: type[Exception], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_threads(self: threading.Thread) -> None:
        raise AssertionError("a thread was started before the arguments were checked")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    with pytest.raises(error, match=message):
        sgx.hammer("atomic", **{"engine": "python", **arguments})  # type: ignore[arg-type]


def test_ctrl_c_stops_the_python_engine_and_joins_every_worker() -> None:
    # a run of about 2 x 10^10 operations: minutes, unless the interrupt stops it. With Python's
    # own handler, whatever this process inherited: started with SIGINT ignored (as a CI shell
    # starts a background job), Python installs none, and interrupt_main() then does nothing
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            sgx.hammer("atomic", threads=2, ops=10**10, rounds=2, engine="python")
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < 30, "the interrupt did not stop the run"
    assert workers_still_running() == []


@pytest.mark.parametrize("engine", ["native", "python"])
def test_the_sweeps_advance_check_refuses_a_chunk_exactly_when_hammer_does(engine: Engine) -> None:
    refused = []
    for call in (
        lambda: check_hammer_settings(HammerSettings(ops=100, engine=engine, chunk=0)),
        lambda: sgx.hammer("atomic", ops=100, engine=engine, chunk=0),
    ):
        try:
            call()
            refused.append(False)
        except ValueError:
            refused.append(True)
    assert refused == [engine == "python"] * 2


def test_phase_calls_check_every_page_before_freeing_any() -> None:
    pool, never = _core.Pool(sgx.Strategy.atomic, 2, 16), _core.StopFlag()
    pages, failures = pool.alloc_pages(40, 0, 0, 0, never)
    assert (len(pages), failures) == (32, 8)  # the pool ran dry after 32
    with pytest.raises(ValueError, match="page"):
        pool.free_pages([*pages[:4], 10_000], 0, 0, never)
    assert pool.true_free == 0  # nothing was freed
    pool.free_pages(pages, 0, 0, never)
    assert pool.true_free == pool.counter == 32
    with pytest.raises(ValueError, match="batch"):
        pool.alloc_pages(1 << 20, 0, 0, 0, never)
