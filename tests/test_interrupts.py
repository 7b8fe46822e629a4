"""Ctrl-C: long native calls give control back, with every thread joined.

Each interrupt test runs a call far too long to finish (days) in a child interpreter,
sends it SIGINT once the call's own thread is running, and reads what the child printed
after catching KeyboardInterrupt: how many threads the process had, against how many it
had before the call (numpy's BLAS keeps threads of its own). That it stopped at all is the
proof: the child is killed, and the test fails, if it has not exited 60 s after the signal.
How fast it stops is measured, not asserted (a busy machine may delay any process), by
bench/interrupt_latency.py.
"""

from __future__ import annotations

from interrupted_child import interrupt_child


def test_ctrl_c_stops_a_native_hammer_within_a_second_with_every_thread_joined() -> None:
    _, threads, _ = interrupt_child("sgx.hammer('plain_node_lock', threads=4, ops=10**14, rounds=3)")
    assert threads == 0  # every worker joined


def test_ctrl_c_stops_a_hammer_with_slow_operations_too() -> None:
    # work=10**6 turns between operations: a stop is checked every iteration or so.
    _, threads, _ = interrupt_child("sgx.hammer('atomic', threads=2, ops=10**9, work=10**6)")
    assert threads == 0


def test_after_ctrl_c_the_interpreter_runs_the_next_hammer_normally() -> None:
    after = "print(sgx.hammer('atomic', threads=2, ops=10_000).drift)"
    _, _, printed = interrupt_child("sgx.hammer('atomic', threads=2, ops=10**14)", after)
    assert printed == "0"
