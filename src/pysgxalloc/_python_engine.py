"""The Python-thread engine: `threads` threading.Thread workers churn one pool in chunks.

The traffic is the native hammer's (the same C++ churn loop, worker ``i`` on
local node ``i % nodes`` as slot ``i``, the same rounds and batches); the team is
Python's: OS threads started by `threading`, a `threading.Barrier` for the start
line and after every round, and each worker calling ``Pool.churn`` in chunks
with the GIL released. This is what hammering the model "from many Python
threads" looks like, and it must reproduce the drift just as the native engine
does.

Cost: per chunk, one Python-level call (a few microseconds, with the GIL held);
per round, one barrier. Chunks of `DEFAULT_CHUNK` operations are about a
millisecond of C++ work at work=0, so that costs a few percent at most on one
thread; many threads share the one GIL for those microseconds, so at high thread
counts larger chunks keep it from becoming the bottleneck.

Ctrl-C: the caller waits for the workers in `WAIT_SLICE` slices, so
KeyboardInterrupt arrives within one; workers then stop after their current
chunk, which ends early (every page it took given back) once the team's
native StopFlag is raised; the caller waits for
every one to finish, and the interrupt is re-raised. The caller waits on a
condition the workers signal as they finish, never in Thread.join(): on
Python 3.11 a join that Ctrl-C interrupts marks a still-running thread as
stopped (CPython's fix for bpo-45274 releases the thread's own lock), and the
run would be reported over while its workers still churn.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core
from pysgxalloc._core import Strategy
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.pool import raise_if_broken

#: How long the caller blocks in one wait before it lets a pending Ctrl-C through.
WAIT_SLICE = 0.1


@dataclass(frozen=True, eq=False)
class PythonEngineStats:
    """What one run measured; the same fields as the native engine's ``_core.HammerStats``."""

    wall_seconds: float  #: start barrier released to last thread joined
    total_ops: int  #: allocation attempts plus frees, all threads
    alloc_failures: int  #: attempts that found every free list empty
    counter: int  #: the cheap read after the last round
    exact_count: int  #: the strategy's exact read after the last round
    read_error_bound: int  #: the most counter could differ from exact_count then
    counter_batch: int  #: percpu_batch's batch (the default when none was given)
    true_free: int  #: the sum of the free lists' lengths after the last round
    per_thread_ops: npt.NDArray[np.int64]
    drift_by_round: npt.NDArray[np.int64]  #: counter - true_free after each round
    exact_drift_by_round: npt.NDArray[np.int64]  #: exact_count - true_free after each round
    lost_decrements: npt.NDArray[np.int64]  #: phased runs: per round, the decrements lost; zeros otherwise
    lost_increments: npt.NDArray[np.int64]  #: phased runs: per round, the increments lost; zeros otherwise
    thread_cpu_seconds: npt.NDArray[np.float64]  #: each worker's CPU time over the timed section


def check_chunk(chunk: int) -> None:
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")


def run_python_engine(
    strategy: Strategy, settings: HammerSettings, plan: _core.HammerPlan, fail_worker: int = -1
) -> PythonEngineStats:
    """Run the hammer's workload from Python threads, as `plan` (the native hammer's own plan of
    `settings`, which checked every range) splits it; the chunk is checked here, before any thread starts.

    A chunk is at most ``settings.chunk`` operations, fewer when `work` makes operations
    slow: never more than the native hammer runs between two looks at its stop flag (a
    few milliseconds), so Ctrl-C stays prompt.
    """
    check_chunk(settings.chunk)
    if settings.pin and not hasattr(os, "sched_setaffinity"):
        raise ValueError("pin=True needs os.sched_setaffinity, which this platform lacks")
    cpus = sorted(os.sched_getaffinity(0)) if settings.pin else []
    shape = settings.shape
    pool = _core.Pool(
        strategy,
        shape.nodes,
        shape.uniform_pages,
        0,
        settings.counter_batch,
        settings.packed,
        shape.node_pages,
        shape.node_search,
        layout=settings.layout,
    )
    iterations_per_chunk = min(max(1, settings.chunk // (2 * settings.batch)), plan.iterations_per_stop_check)
    return _Team(pool, settings, plan.iterations_per_round, iterations_per_chunk, cpus, fail_worker).run()


class _Team:
    """One run's workers and everything they share; used once."""

    def __init__(
        self,
        pool: _core.Pool,
        settings: HammerSettings,
        iterations_per_round: int,
        iterations_per_chunk: int,
        cpus: list[int],
        fail_worker: int,
    ) -> None:
        self.pool = pool
        self.threads = settings.threads
        self.batch = settings.batch
        self.rounds = settings.rounds
        self.work = settings.work
        self.hold = settings.hold
        self.phased = settings.phased
        self.cpus = cpus
        self.fail_worker = fail_worker
        self.iterations_per_round = iterations_per_round
        self.iterations_per_chunk = iterations_per_chunk
        self.barrier = threading.Barrier(self.threads, action=self._phase_end)
        self.stop = threading.Event()
        # The same stop, seen inside a running churn() call: a chunk with a huge
        # batch or work ends soon after it is raised instead of running to its end.
        self.native_stop = _core.StopFlag()
        self.phase = 0
        self.start = 0.0
        self.ops = [0] * self.threads
        self.failures = [0] * self.threads
        self.errors: list[BaseException | None] = [None] * self.threads
        # Workers that entered _work and that left it, counted under one condition.
        self.finish_line = threading.Condition()
        self.entered = 0
        self.finished = 0
        self.drift_by_round = np.zeros(self.rounds, dtype=np.int64)
        self.exact_drift_by_round = np.zeros(self.rounds, dtype=np.int64)
        self.lost_decrements = np.zeros(self.rounds, dtype=np.int64)
        self.lost_increments = np.zeros(self.rounds, dtype=np.int64)
        self.cpu_seconds = np.zeros(self.threads, dtype=np.float64)
        # A phased round meets twice per iteration (after allocating, after freeing).
        self.phases_per_round = 2 * iterations_per_round if self.phased else 1
        self.previous_exact_drift = 0

    def _phase_end(self) -> None:
        # The barrier's action runs in the last worker to arrive while every other
        # one is blocked in the barrier: nobody is touching the pool. As the native
        # hammer's PhaseEnd: a phased allocation phase can only leave the count too
        # high, a free phase too low, so each phase's change is what it lost.
        exact = self.pool.exact_drift
        if self.phase > 0 and (round_ := (step := self.phase - 1) // self.phases_per_round) < self.rounds:
            if self.phased and step % 2 == 0:
                self.lost_decrements[round_] += exact - self.previous_exact_drift
            elif self.phased:
                self.lost_increments[round_] += self.previous_exact_drift - exact
            if step % self.phases_per_round == self.phases_per_round - 1:
                self.drift_by_round[round_] = self.pool.drift
                self.exact_drift_by_round[round_] = exact
        elif self.phase == 0:
            self.start = time.perf_counter()
        self.previous_exact_drift = exact
        self.phase += 1

    def _churn_round(self, local: int, index: int) -> bool:
        """One round of alloc-then-free chunks; False when the run was stopped."""
        left = self.iterations_per_round
        while left > 0:
            if self.stop.is_set():
                return False
            step = min(left, self.iterations_per_chunk)
            # The pool's own method, on this thread: it stops when the caller raises native_stop.
            tally = self.pool.churn_until_stopped(
                step * 2 * self.batch, local, index, self.batch, self.work, self.native_stop
            )
            self.ops[index] += tally.ops
            self.failures[index] += tally.alloc_failures
            left -= step
        self.barrier.wait()  # round over: the action reads the drift
        return True

    def _phased_round(self, local: int, index: int) -> bool:
        """One phased round: per iteration allocate, meet, free, meet; False when stopped."""
        for _ in range(self.iterations_per_round):
            if self.stop.is_set():
                return False
            pages, failures = self.pool.alloc_pages(self.batch, local, index, self.work, self.native_stop)
            self.barrier.wait()  # allocations over: the action reads the decrements lost
            self.pool.free_pages(pages, index, self.work, self.native_stop)
            self.barrier.wait()  # frees over: the increments lost
            self.ops[index] += self.batch + len(pages)
            self.failures[index] += failures
        return True

    def _work(self, index: int) -> None:
        with self.finish_line:
            self.entered += 1
        held: list[int] = []
        try:
            if index == self.fail_worker:
                raise RuntimeError(f"worker {index} failed on request (fail_worker)")
            if self.cpus:
                os.sched_setaffinity(0, {self.cpus[index % len(self.cpus)]})  # 0: this thread only
            local = index % self.pool.nodes
            # As the native hammer: `hold` pages out through every round, uncounted.
            for _ in range(self.hold):
                if (page := self.pool.alloc(local, index)) is not None:
                    held.append(page)
            self.barrier.wait()  # the start line
            cpu_start = time.thread_time()
            run_round = self._phased_round if self.phased else self._churn_round
            for _ in range(self.rounds):
                if not run_round(local, index):
                    return
            for page in held:
                self.pool.free(page, index)
            self.cpu_seconds[index] = time.thread_time() - cpu_start
        except threading.BrokenBarrierError:
            pass  # the caller stopped the run or another worker failed; that is what gets raised
        except BaseException as error:  # re-raised in the caller once every worker has finished
            if isinstance(error, _core.SoftLockupError):
                # As the native hammer: a CPU-only worker's lockup leaves no page of its own out.
                for page in held:
                    self.pool.free(page, index)
            self.errors[index] = error
            self._stop()
        finally:
            with self.finish_line:
                self.finished += 1
                self.finish_line.notify_all()

    def _stop(self) -> None:
        self.stop.set()
        self.native_stop.request()
        self.barrier.abort()

    def _wait_for_workers(self, count: int, timeout: float | None) -> bool:
        """True once `count` workers have finished; False if `timeout` seconds passed first."""
        with self.finish_line:
            return self.finish_line.wait_for(lambda: self.finished >= count, timeout)

    def _raise_failures(self) -> None:
        """A worker's error first (what went wrong), then the lists (what it left broken)."""
        for error in self.errors:
            if error is not None:
                if isinstance(error, _core.SoftLockupError):  # a lockup is reported only over whole lists
                    raise_if_broken(self.pool, "python engine broke the free lists: ")
                raise error
        raise_if_broken(self.pool, "python engine broke the free lists: ")

    def run(self) -> PythonEngineStats:
        workers = [
            threading.Thread(target=self._work, args=(index,), name=f"pysgxalloc-worker-{index}")
            for index in range(self.threads)
        ]
        try:
            for worker in workers:
                worker.start()
            while not self._wait_for_workers(self.threads, WAIT_SLICE):
                pass
        except BaseException:
            # Ctrl-C, usually: workers leave their current chunk or barrier soon.
            self._stop()
            with self.finish_line:
                entered = self.entered  # one started but not yet in _work sees the stop at once
            self._wait_for_workers(entered, None)
            raise
        for worker in workers:
            worker.join()  # every worker has finished its work; this only waits for the thread to exit
        end = time.perf_counter()

        self._raise_failures()
        return PythonEngineStats(
            wall_seconds=end - self.start,
            total_ops=sum(self.ops),
            alloc_failures=sum(self.failures),
            counter=self.pool.counter,
            exact_count=self.pool.exact_count,
            read_error_bound=self.pool.read_error_bound,
            counter_batch=self.pool.counter_batch,
            true_free=self.pool.true_free,
            per_thread_ops=np.array(self.ops, dtype=np.int64),
            drift_by_round=self.drift_by_round,
            exact_drift_by_round=self.exact_drift_by_round,
            lost_decrements=self.lost_decrements,
            lost_increments=self.lost_increments,
            thread_cpu_seconds=self.cpu_seconds,
        )
