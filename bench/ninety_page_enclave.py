"""The issue's small example, run many times: a 90-page enclave in 100 pages of EPC.

python bench/ninety_page_enclave.py [--runs 30]

One faulting thread, one node, `atomic` (exact, so the counter plays no part). Every
allocation that leaves fewer than 32 free wakes ksgxd; ksgxd, once woken, reclaims until
the count reaches 64 and sleeps again. What it leaves free depends on two things this
prints apart: whether a freshly faulted page is young (the model's default: the retried
touch sets the accessed bit that sgx_vma_fault() cleared) or old (sgx_vma_fault() with no
MMU after it), and whether ksgxd got the CPU before the faults ended. Each line is one
configuration: every distinct outcome with the number of runs that ended in it.
"""

from __future__ import annotations

import argparse
import collections
import os
from typing import Any

import pysgxalloc as sgx

EXAMPLE: dict[str, Any] = {"threads": 1, "nodes": 1, "pages_per_node": 100, "enclave_pages": 90}
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("faulted pages young (default)", {}),
    ("faulted pages old", {"fault_leaves_young": False}),
    ("faulted pages young, the SECS page in the EPC", {"unreclaimable_pages": 1}),
    ("faulted pages old, the SECS page in the EPC", {"fault_leaves_young": False, "unreclaimable_pages": 1}),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--passes", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.runs} runs per line, passes={args.passes}, load average {os.getloadavg()[0]:.1f}")
    print("outcome: wake-up calls / ksgxd woken / pages reclaimed / pages free at the end  x runs")
    for label, extra in CONFIGS:
        seen: collections.Counter[tuple[int, int, int, int]] = collections.Counter()
        for _ in range(args.runs):
            res = sgx.reclaim_scenario("atomic", **EXAMPLE, passes=args.passes, **extra)
            if not res.completed:
                raise SystemExit(f"{label}: {res}")
            seen[(res.wake_calls, res.reclaimer_wakeups, res.pages_reclaimed, res.true_free)] += 1
        outcomes = ", ".join(f"{w}/{k}/{r}/{f} x{n}" for (w, k, r, f), n in seen.most_common())
        print(f"{label}: {outcomes}", flush=True)


if __name__ == "__main__":
    main()
