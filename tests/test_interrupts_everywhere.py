"""Ctrl-C in the last places it did not reach, and interpreter exit with a native call still running.

- A pool built with a remote fetch pays the fetch on every sanitising free at boot: at the
  largest fetch and 2 x 65,536 pages that is over two minutes of building, which Ctrl-C now
  stops between two pages (before, it waited for the whole build).
- explore() raises KeyboardInterrupt like every other run, and the exception carries what
  the search explored (ExploreInterrupted.result), so a loop over searches stops at once.
- A daemon thread inside a native call when the interpreter exits is stopped and ends
  quietly: no "terminate called without an active exception", no exit code 134.

Every child starts with SIGINT at its default and has a timeout (interrupted_child.py).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest
from interrupted_child import CHILD_TIMEOUT_S, default_sigint, interrupt_child

import pysgxalloc as sgx

#: 2 x 65,536 sanitising frees, each waiting 1 ms for its remote fetch: over 2 minutes, far past
#: the 60 s in which the child must stop.
SLOW_POOL = "pages_per_node=65536, plain_update='load_store', remote_fetch_ns=1_000_000"


def test_ctrl_c_stops_building_a_pool_with_a_remote_fetch() -> None:
    _, threads, printed = interrupt_child(
        f"sgx.EpcPool('plain_node_lock', {SLOW_POOL})", after="print(type(stop).__name__)"
    )
    assert printed == "KeyboardInterrupt"
    assert threads == 0


def test_ctrl_c_stops_a_reclaim_scenario_while_its_pool_is_built() -> None:
    call = f"sgx.reclaim_scenario('plain_node_lock', {SLOW_POOL})"
    _, threads, printed = interrupt_child(call, after="print(type(stop).__name__)")
    assert printed == "KeyboardInterrupt"
    assert threads == 0


#: A search of hundreds of thousands of schedules: minutes, far past the child's 60 s.
LONG_SEARCH = "sgx.explore('plain_node_lock', threads=3, ops=3, preemption_bound=None, sleep_sets=False)"


def test_ctrl_c_stops_explore_with_a_keyboard_interrupt_carrying_the_partial_result() -> None:
    after = (
        "print(isinstance(stop, sgx.ExploreInterrupted), stop.result.stopped, stop.result.complete, "
        "stop.result.runs > 0)"
    )
    _, threads, printed = interrupt_child(LONG_SEARCH, after=after)
    assert printed == "True interrupted False True"
    assert threads == 0


def test_ctrl_c_stops_a_loop_over_searches_at_once() -> None:
    call = f"for _ in range(5): {LONG_SEARCH}"
    _, _, printed = interrupt_child(call, after="print(type(stop).__name__)")
    assert printed == "ExploreInterrupted"


def test_an_explore_result_pickles_and_replays_after_unpickling() -> None:
    result = sgx.explore("plain_node_lock", threads=2, ops=1)
    copy = pickle.loads(pickle.dumps(result))
    assert (copy.schedules, copy.failing, copy.complete, copy.stopped) == (
        result.schedules,
        result.failing,
        result.complete,
        result.stopped,
    )
    assert copy.first_failure is not None and result.first_failure is not None
    assert copy.first_failure.schedule == result.first_failure.schedule
    assert copy.trace_text == result.trace_text
    assert copy.replay().outcome == result.first_failure.outcome


def test_an_interrupted_search_pickles_with_its_partial_result() -> None:
    result = sgx.explore("atomic", threads=2, ops=1)
    stop = pickle.loads(pickle.dumps(sgx.ExploreInterrupted(result)))
    assert isinstance(stop, sgx.ExploreInterrupted) and stop.result.schedules == result.schedules


EXIT_CHILD = """
import os, sys, threading, time
import pysgxalloc as sgx
before = len(os.listdir('/proc/self/task'))
threading.Thread(target=lambda: {call}, daemon=True).start()
# Exit once the call's own threads run (the daemon thread, and {started} more), never before.
for _ in range(60_000):
    if len(os.listdir('/proc/self/task')) >= before + 1 + {started}:
        break
    time.sleep(0.001)
sys.exit(0)
"""


@pytest.mark.parametrize(
    ("call", "started"),
    [
        ("sgx.hammer('atomic', threads=2, ops=10**12)", 3),
        ("sgx.hammer('atomic', threads=2, ops=10**12, engine='python')", 2),
        ("sgx.EpcPool('atomic').churn(ops=10**12, node=0, slot=0)", 1),
        (LONG_SEARCH, 1),
        ("sgx.reclaim_scenario('atomic', passes=10**6)", 2),
        (f"sgx.EpcPool('plain_node_lock', {SLOW_POOL})", 1),
    ],
    ids=["hammer", "python engine", "churn", "explore", "reclaim_scenario", "pool construction"],
)
def test_exit_with_a_daemon_thread_inside_a_native_call_ends_cleanly(call: str, started: int) -> None:
    code = textwrap.dedent(EXIT_CHILD).format(call=call, started=started)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        preexec_fn=default_sigint,
    )
    assert done.returncode == 0, done.stderr
    assert "terminate called" not in done.stderr
    assert "Traceback" not in done.stderr
