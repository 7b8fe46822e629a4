"""A run copies its configuration before it releases the GIL: another thread changing the
config object mid-run changes nothing the run reports.

Each test runs one run kind through the core with a config object that a second Python
thread keeps rewriting with hostile values (nodes 0 or 7 once killed a reclaim run with
SIGFPE or hung it) for as long as the run lasts, and checks the run's report against the
settings it was started with.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pysgxalloc import _core
from pysgxalloc._core import Strategy

#: Values each field is flipped between while a run holds a copy of the config.
HOSTILE: dict[str, tuple[object, ...]] = {
    "nodes": (0, 7, 1),
    "threads": (1, 64),
    "writers": (0, 64),
    "pages_per_node": (1, 2**20),
    "enclave_pages": (1, 2**20),
    "ops": (1, 2**40),
    "passes": (1, 1000),
    "rival_updates": (1, 2**20),
    "batch": (1, 4096),
}


@contextmanager
def mutated_meanwhile(config: object) -> Iterator[list[int]]:
    """While the body's run runs, a thread rewrites every hostile field `config` has; yields its rounds.

    The thread starts mutating only once the body's call releases the GIL, after the binding has taken
    its copy: a long switch interval keeps this thread from being preempted between go.set() and the
    call, and the mutator sleeps between rounds (releasing the GIL) so the run's own GIL waits stay short.
    """
    fields = {name: values for name, values in HOSTILE.items() if hasattr(config, name)}
    combos = [dict(zip(fields, combo, strict=True)) for combo in zip(*fields.values(), strict=False)]
    go = threading.Event()
    stop = threading.Event()
    rounds = [0]

    def mutate() -> None:
        go.wait()
        for values in itertools.cycle(combos):
            if stop.is_set():
                return
            for name, value in values.items():
                setattr(config, name, value)
            rounds[0] += 1
            time.sleep(0.0001)

    mutator = threading.Thread(target=mutate)
    mutator.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        go.set()
        yield rounds
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        mutator.join()


def test_a_hammer_reports_the_settings_it_started_with() -> None:
    config = _core.HammerConfig()
    config.threads, config.nodes, config.ops = 2, 2, 400_000
    with mutated_meanwhile(config) as rounds:
        stats = _core.hammer(Strategy.atomic, config)
    assert rounds[0] > 0
    assert stats.per_thread_ops.tolist() == [400_000, 400_000]
    assert stats.true_free == 2 * 4096


def test_a_read_cost_run_reports_the_settings_it_started_with() -> None:
    config = _core.ReadCostConfig()
    config.writers, config.nodes, config.ops, config.batch = 2, 2, 400_000, 64
    with mutated_meanwhile(config) as rounds:
        stats = _core.read_cost(Strategy.atomic, config)
    assert rounds[0] > 0
    assert stats.per_writer_ops.tolist() == [400_000, 400_000]


def test_a_paused_update_reports_the_settings_it_started_with() -> None:
    config = _core.PausedUpdateConfig()
    config.rival_updates = 1000
    with mutated_meanwhile(config) as rounds:
        stats = _core.paused_update(Strategy.atomic, config)
    assert rounds[0] > 0
    # Two nodes of rival_updates pages; the victim took one, the rival rival_updates.
    assert stats.true_free == 2 * 1000 - 1 - 1000


def test_a_reclaim_run_reports_the_settings_it_started_with() -> None:
    config = _core.ReclaimConfig()
    config.threads, config.nodes, config.pages_per_node = 2, 2, 256
    config.enclave_pages, config.passes = 2048, 20
    with mutated_meanwhile(config) as rounds:
        stats = _core.reclaim(Strategy.atomic, config)
    assert rounds[0] > 0
    assert stats.outcome is _core.ReclaimOutcome.completed
    assert stats.touches == 2048 * 20
    assert len(stats.faults_per_worker) == 2
    assert stats.pages_conserved
