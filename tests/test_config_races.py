"""A run copies its configuration before it releases the GIL: the config object changed mid-run
changes nothing the run reports.

Each test runs one run kind through the core and rewrites its config object with hostile values
(nodes 0 or 7 once killed a reclaim run with SIGFPE or hung it) while the run runs, then checks the
run's report against the settings it was started with.

"While the run runs" is made certain, not hoped for: a helper thread waits until the call's own
native thread exists (so the call has started and copied its config), then signals the main thread,
whose handler does the rewriting. Python runs that handler only inside the call's wait loop
(PyErr_CheckSignals, bindings/interruptible.hpp) or after the call; the handler records which, by
whether the call's thread still exists. A run that ended before its handler ran is repeated four
times longer, up to `MAX_ATTEMPTS` times: a busy machine makes the run longer, never the test wrong.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from pysgxalloc import _core
from pysgxalloc._core import Strategy

#: Values each field is set to by the handler while a run holds a copy of the config.
HOSTILE: dict[str, object] = {
    "nodes": 7,
    "threads": 64,
    "writers": 64,
    "pages_per_node": 1,
    "enclave_pages": 2**20,
    "ops": 2**40,
    "passes": 1000,
    "rival_updates": 2**20,
    "batch": 4096,
}
#: Runs of growing length (x4 each) before giving up on a run that outlasts its handler.
MAX_ATTEMPTS = 8
#: Reads of the thread count while waiting for the call's own thread (1 ms apart).
START_POLLS = 60_000


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


class _Attempt:
    """One run with its config rewritten by a signal handler once the call's own thread exists."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.main = threading.get_ident()
        self.during: list[bool] = []  # one entry: whether the handler ran inside the call
        self.counted = threading.Event()
        self.returned = threading.Event()
        self.before = 0  # threads with the helper running and the call not yet started

    def rewrite(self, signum: int, frame: object) -> None:
        self.during.append(thread_count() > self.before)
        for name, value in HOSTILE.items():
            if hasattr(self.config, name):
                setattr(self.config, name, value)

    def poke(self) -> None:
        self.counted.wait()
        for _ in range(START_POLLS):
            if thread_count() > self.before or self.returned.is_set():
                break
            time.sleep(0.001)
        signal.pthread_kill(self.main, signal.SIGUSR1)

    def run(self, call: Callable[[Any], Any]) -> Any:
        previous = signal.signal(signal.SIGUSR1, self.rewrite)
        helper = threading.Thread(target=self.poke)
        try:
            helper.start()
            self.before = thread_count()  # the helper counted: only the call's own thread adds one
            self.counted.set()
            stats = call(self.config)
            self.returned.set()
            helper.join()
            while not self.during:  # the handler runs at the next bytecode after the signal
                time.sleep(0.001)
        finally:
            self.counted.set()
            self.returned.set()
            helper.join()
            signal.signal(signal.SIGUSR1, previous)
        return stats


def run_mutated_meanwhile(make: Callable[[int], Any], run: Callable[[Any], Any]) -> tuple[Any, int]:
    """`run(make(scale))` with its config rewritten while the run runs; the stats and the scale."""
    for attempt in range(MAX_ATTEMPTS):
        scale = 4**attempt
        one = _Attempt(make(scale))
        stats = one.run(run)
        if one.during[0]:
            return stats, scale
    raise AssertionError(f"no run of {MAX_ATTEMPTS} outlasted the signal sent while it ran")


def test_a_hammer_reports_the_settings_it_started_with() -> None:
    def make(scale: int) -> _core.HammerConfig:
        config = _core.HammerConfig()
        config.threads, config.nodes, config.ops = 2, 2, 400_000 * scale
        return config

    stats, scale = run_mutated_meanwhile(make, lambda config: _core.hammer(Strategy.atomic, config))
    assert stats.per_thread_ops.tolist() == [400_000 * scale, 400_000 * scale]
    assert stats.true_free == 2 * 4096


def test_a_read_cost_run_reports_the_settings_it_started_with() -> None:
    def make(scale: int) -> _core.ReadCostConfig:
        config = _core.ReadCostConfig()
        config.writers, config.nodes, config.ops, config.batch = 2, 2, 400_000 * scale, 64
        return config

    stats, scale = run_mutated_meanwhile(make, lambda config: _core.read_cost(Strategy.atomic, config))
    assert stats.per_writer_ops.tolist() == [400_000 * scale, 400_000 * scale]


def test_a_paused_update_reports_the_settings_it_started_with() -> None:
    # plain_global_lock: the rival waits for the lock the paused victim holds, so the run lasts the
    # whole pause limit (a time the run spends, not one it races), longer at each attempt.
    def make(scale: int) -> _core.PausedUpdateConfig:
        config = _core.PausedUpdateConfig()
        config.rival_updates = 1000
        config.pause_limit_seconds = min(0.2 * scale, 10.0)
        return config

    def run(config: _core.PausedUpdateConfig) -> _core.PausedUpdateStats:
        return _core.paused_update(Strategy.plain_global_lock, config)

    stats, _ = run_mutated_meanwhile(make, run)
    # Two nodes of rival_updates pages; the victim took one, the rival rival_updates.
    assert stats.true_free == 2 * 1000 - 1 - 1000


def test_a_reclaim_run_reports_the_settings_it_started_with() -> None:
    def make(scale: int) -> _core.ReclaimConfig:
        config = _core.ReclaimConfig()
        config.threads, config.nodes, config.pages_per_node = 2, 2, 256
        config.enclave_pages, config.passes = 2048, 20 * scale
        return config

    stats, scale = run_mutated_meanwhile(make, lambda config: _core.reclaim(Strategy.atomic, config))
    assert stats.outcome is _core.ReclaimOutcome.completed
    assert stats.touches == 2048 * 20 * scale
    assert len(stats.faults_per_worker) == 2
    assert stats.pages_conserved
