"""Ctrl-C at the edges of what the API accepts: every run still stops, and the pool stays whole.

A stop is looked at on a bound of work shared by the whole team (so 1,024 threads on two
CPUs see it as soon as two do), inside an iteration when one iteration is long (a batch
of 65,536 pages with 2^30 turns of work between operations), and inside every wait.
Each test interrupts a call that would otherwise run for minutes or hours, once the call's
own threads are running, and checks that control came back at all: the child is killed,
and the test fails, if it has not exited 60 s after the signal (interrupted_child.py), a
bound in which none of these calls could have finished on its own. Before these bounds
each of them ran on for 9 s to hours after the signal.
"""

from __future__ import annotations

import pytest
from interrupted_child import interrupt_child

#: paused_update's longest pause limit (csrc/harness/paused_update.hpp's kMaxPauseSeconds).
PAUSE_LIMIT_S = 10.0


@pytest.mark.parametrize("strategy", ["atomic", "plain_global_lock"])
def test_ctrl_c_stops_a_hammer_at_the_most_threads(strategy: str) -> None:
    _, threads, _ = interrupt_child(
        f"sgx.hammer({strategy!r}, threads=1024, ops=10**12)", threads_started=1024
    )
    assert threads == 0


def test_ctrl_c_stops_the_python_engine_with_many_threads() -> None:
    # Python's threads are waited for, not joined (see _python_engine.py): one may still be exiting.
    interrupt_child("sgx.hammer('atomic', threads=256, ops=10**12, engine='python')", threads_started=256)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_ctrl_c_stops_a_hammer_with_the_largest_batch_and_work(engine: str) -> None:
    settings = "threads=2, ops=10**9, batch=65536, work=2**30, pages_per_node=2**20"
    call = f"sgx.hammer('atomic', {settings}, engine={engine!r})"
    interrupt_child(call)


def test_ctrl_c_stops_a_read_cost_run_with_the_largest_batch_and_work() -> None:
    _, threads, _ = interrupt_child("sgx.read_cost('atomic', writers=1, ops=10**6, work=2**30, batch=65536)")
    assert threads == 0


def test_ctrl_c_stops_a_long_churn_call_and_every_page_goes_back() -> None:
    call = "pool.churn(ops=2 * 10**9, node=0, slot=0, batch=64)"
    after = "print(pool.true_free == pool.total_pages)"
    _, _, printed = interrupt_child(call, after, setup="pool = sgx.EpcPool('atomic')")
    assert printed == "True"


def test_ctrl_c_stops_a_paused_update_at_its_longest_pause_limit() -> None:
    # The rival under plain_global_lock waits for the victim's global lock through the whole limit.
    # The limit is a time, so this one test compares times: the call must stop before its own
    # limit would have ended it (a false failure needs the child kept off every CPU for 10 s).
    call = f"sgx.paused_update('plain_global_lock', pause_limit={PAUSE_LIMIT_S})"
    latency, threads, _ = interrupt_child(call)
    assert latency < PAUSE_LIMIT_S
    assert threads == 0
