"""Drift of the plain count in its two compiled forms, and with a wider window.

Two threads, pinned to the first two usable CPUs, churn one plain_node_lock pool
(each on its own node, so they hold different node locks and race on the count);
the drift left at the end is the updates lost. One line per form: the median
and range of |drift| over RUNS runs, and per million counter updates.

    python bench/plain_update_drift.py [--runs 20] [--ops 1000000] [--window-ns 0,100]
"""

from __future__ import annotations

import argparse
import os
import threading

import numpy as np

import pysgxalloc as sgx
from pysgxalloc.analysis import usable_cpus

CHUNK = 50_000  # churn() cannot be interrupted: keep each call to milliseconds


def one_run(form: sgx.PlainUpdate, window_ns: int, ops: int, cpus: list[int]) -> int:
    pool = sgx.EpcPool(
        "plain_node_lock", nodes=2, pages_per_node=4096, plain_update=form, remote_fetch_ns=window_ns
    )
    start = threading.Barrier(2)

    def worker(index: int) -> None:
        os.sched_setaffinity(0, {cpus[index % len(cpus)]})  # 0: the calling thread
        start.wait()
        for _ in range(ops // CHUNK):
            pool.churn(CHUNK, node=index, slot=index)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pool.drift


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--ops", type=int, default=1_000_000, help="churn operations per thread and run")
    parser.add_argument("--window-ns", default="100", help="load_store windows to add, comma-separated")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    print(
        f"2 threads pinned on CPUs {cpus[:2]} of {usable_cpus()} usable; "
        f"{args.ops:,} ops each, {args.runs} runs"
    )
    updates = 2 * 2 * args.ops  # two threads, an alloc and a free per op
    cases = [(sgx.PlainUpdate.in_place, 0), (sgx.PlainUpdate.load_store, 0)]
    cases += [(sgx.PlainUpdate.load_store, int(w)) for w in args.window_ns.split(",") if int(w) > 0]
    for form, window in cases:
        drift = np.abs(np.array([one_run(form, window, args.ops, cpus) for _ in range(args.runs)]))
        label = f"{form.name}" + (f" + {window} ns" if window else "")
        print(
            f"{label:>22}: |drift| median {np.median(drift):>8.0f} (min {drift.min()}, max {drift.max()}); "
            f"lost per million updates {np.median(drift) / updates * 1e6:>8.1f}"
        )


if __name__ == "__main__":
    main()
