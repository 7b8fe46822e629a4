"""How long Ctrl-C takes to give control back from long native calls: a figure, not a test.

Usage: python bench/interrupt_latency.py [--repeats R]

Each call runs in a child interpreter far longer than it could finish (days); SIGINT goes
once the call's own thread runs, and the child prints the CLOCK_MONOTONIC time it caught
KeyboardInterrupt (comparable across processes on Linux). Prints the median and the
largest latency of R children per call, with the load average beside them: on a busy
machine a child waits for a CPU too, which the tests (tests/test_interrupts*.py) do not
time for that reason.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package

from bench.arguments import at_least

CALLS = {
    "hammer": "sgx.hammer('plain_node_lock', threads=2, ops=10**14)",
    "explore": "sgx.explore('plain_node_lock', threads=3, ops=3, sleep_sets=False)",
    "pool build, 1 ms fetch": "sgx.EpcPool('plain_node_lock', pages_per_node=65536, "
    "plain_update='load_store', remote_fetch_ns=10**6)",
    "reclaim_scenario": "sgx.reclaim_scenario('atomic', passes=10**6)",
}
CHILD = """
import os, sys, time
import pysgxalloc as sgx
print(len(os.listdir('/proc/self/task')), flush=True)
try:
    {call}
except KeyboardInterrupt:
    print(time.monotonic(), flush=True)
"""


def latency(call: str) -> float:
    """Seconds from SIGINT to the child's KeyboardInterrupt."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(call=call)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert child.stdout is not None
        before = int(child.stdout.readline())
        while len(os.listdir(f"/proc/{child.pid}/task")) <= before:  # the call's own thread runs
            time.sleep(0.001)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=120)
    except BaseException:
        child.kill()
        child.communicate()
        raise
    return float(out.split()[-1]) - sent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeats", type=at_least(1), default=5, help="children per call (default 5)")
    args = parser.parse_args(argv)
    print(f"Ctrl-C latency, {args.repeats} children per call; 1-minute load average {os.getloadavg()[0]:.2f}")
    print(f"{'call':<24} {'median ms':>10} {'max ms':>10}")
    for name, call in CALLS.items():
        samples = [1e3 * latency(call) for _ in range(args.repeats)]
        print(f"{name:<24} {statistics.median(samples):>10.1f} {max(samples):>10.1f}")
    print(f"1-minute load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
