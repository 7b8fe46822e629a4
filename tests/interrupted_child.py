"""interrupt_child(): run a call in a child interpreter, send it SIGINT while it runs, read what it reports.

The child prints the CLOCK_MONOTONIC time it caught KeyboardInterrupt (comparable
across processes on Linux) and how many threads the process had, against how
many it had before the call (numpy's BLAS keeps threads of its own).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

CHILD = """
import os, sys, time
import pysgxalloc as sgx
print("running", len(os.listdir('/proc/self/task')), flush=True)
try:
    {call}
except KeyboardInterrupt:
    caught = time.monotonic()
    print(f"caught {{caught!r}} threads {{len(os.listdir('/proc/self/task'))}}", flush=True)
    {after}
    sys.exit(0)
print("finished without an interrupt", flush=True)
sys.exit(1)
"""


def interrupt_child(call: str, after: str = "pass", delay: float = 0.5) -> tuple[float, int, str]:
    """SIGINT-to-KeyboardInterrupt latency, threads left beyond those before, what `after` printed.

    The signal goes `delay` seconds after the child said it is about to call; the child
    must have exited 30 s after it.
    """
    code = textwrap.dedent(CHILD).format(call=call, after=after)
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    word, before = child.stdout.readline().split()
    assert word == "running"
    time.sleep(delay)  # well inside the call
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()  # a hung child must not outlive the failed test
        child.communicate()
        raise
    assert child.returncode == 0, out + err
    _, caught, _, threads, *rest = out.split()
    return float(caught) - sent, int(threads) - int(before), " ".join(rest)
