"""interrupt_child(): run a call in a child interpreter, send it SIGINT while it runs, read what it reports.

The child prints how many threads it has, then makes the call. The signal goes once the
child has more threads than that (`threads_started` more: the native call's own thread is
running, so the signal lands inside the call, never before it), whatever the machine's
load: no sleep, no hoping. The child prints the CLOCK_MONOTONIC time it caught
KeyboardInterrupt (comparable across processes on Linux) and how many threads the
process had, against how many it had before the call (numpy's BLAS keeps threads of its
own). That count waits for the kernel: pthread_join returns when the thread's exit
wakes it, but the thread stays listed in /proc/self/task until the kernel reaps it a
moment later, which a busy machine can put off (CI once saw one such thread left). A
thread that is still running, never joined, stays listed and fails the count.

Every child starts with SIGINT at its default, whatever this process inherited (a CI
shell may start us with SIGINT ignored, and a child that ignores it never stops), and
every child is killed if it has not exited `CHILD_TIMEOUT_S` after the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

CHILD = """
import os, sys, time
import pysgxalloc as sgx
{setup}
def threads():
    return len(os.listdir('/proc/self/task'))
before = threads()
print("running", before, flush=True)
try:
    {call}
except KeyboardInterrupt as stop:
    caught = time.monotonic()
    for _ in range({reap_polls}):  # a joined thread is listed until the kernel reaps it
        if threads() <= before:
            break
        time.sleep(0.001)
    print(f"caught {{caught!r}} threads {{threads()}}", flush=True)
    {after}
    sys.exit(0)
print("finished without an interrupt", flush=True)
sys.exit(1)
"""
#: How long a child may take to exit after the signal before it counts as hung (and is killed).
CHILD_TIMEOUT_S = 60
#: How many times the child's thread count is read while waiting for the call to start (1 ms apart).
START_POLLS = 60_000
#: How many times the child reads its thread count, 1 ms apart, waiting for joined threads to be reaped.
REAP_POLLS = 30_000


def default_sigint() -> None:
    """preexec_fn: SIGINT back at its default in the child, so Python installs its KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def thread_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:  # the child exited
        return 0


def interrupt_child(
    call: str, after: str = "pass", *, setup: str = "pass", threads_started: int = 1
) -> tuple[float, int, str]:
    """SIGINT-to-KeyboardInterrupt latency, threads left beyond those before, what `after` printed.

    `setup` runs before the count of threads; `after` runs in the handler, where `stop` is the
    KeyboardInterrupt caught.
    """
    code = textwrap.dedent(CHILD).format(call=call, after=after, setup=setup, reap_polls=REAP_POLLS)
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        assert child.stdout is not None
        word, before = child.stdout.readline().split()
        assert word == "running"
        for _ in range(START_POLLS):
            if thread_count(child.pid) >= int(before) + threads_started or child.poll() is not None:
                break
            time.sleep(0.001)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    except BaseException:
        child.kill()  # a hung child must not outlive the failed test
        child.communicate()
        raise
    assert child.returncode == 0, out + err
    _, caught, _, threads, *rest = out.split()
    return float(caught) - sent, int(threads) - int(before), " ".join(rest)
