"""The seed report's experiment: its shape at any size, one line per run, and the shapes that hang.

python bench/seed_experiment.py runs [--pages-per-node 16777216] [--runs 3]
    preset="seed" for plain_node_lock and atomic: outcome, faults, the counter against the
    free pages, and the time split between ksgxd reclaiming and the fault waiting for a page
python bench/seed_experiment.py shapes [--pages-per-node 1048576] [--runs 3]
    plain_node_lock in the seed's shape with wider windows, and with two faulting threads
"""

from __future__ import annotations

import argparse
import collections
from typing import Any

import pysgxalloc as sgx

STALL = 60.0  # the first reclaim clears 2 x pages accessed bits before it evicts one

SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("seed shape, in_place (default)", {"threads": 1, "shared_enclave": True}),
    ("seed shape, load_store", {"threads": 1, "shared_enclave": True, "plain_update": "load_store"}),
    (
        "seed shape, load_store + 100 ns",
        {"threads": 1, "shared_enclave": True, "plain_update": "load_store", "remote_fetch_ns": 100},
    ),
    (
        "seed shape, load_store + 300 ns",
        {"threads": 1, "shared_enclave": True, "plain_update": "load_store", "remote_fetch_ns": 300},
    ),
    ("2 threads, one shared enclave", {"threads": 2, "shared_enclave": True}),
    ("2 threads, an enclave each", {"threads": 2}),
    (
        "2 threads, an enclave each, load_store + 100 ns",
        {"threads": 2, "plain_update": "load_store", "remote_fetch_ns": 100},
    ),
]


def line(res: sgx.ReclaimResult) -> str:
    return (
        f"{res.strategy.name}: {res.outcome.name} in {res.elapsed_seconds:.1f} s; "
        f"{res.faults_served:,} faults; "
        f"counter {res.counter} - free {res.true_free} = {res.drift:+d}; reclaimed {res.pages_reclaimed:,}, "
        f"removed {res.pages_removed:,}; ksgxd reclaiming {res.reclaim_seconds:.2f} s, faults waiting "
        f"{res.fault_wait_seconds:.2f} s; ksgxd woken {res.reclaimer_wakeups:,}, "
        f"second chances {res.young_skipped:,}"
    )


def runs(pages_per_node: int, count: int) -> None:
    for _ in range(count):
        for strategy in ("plain_node_lock", "atomic"):
            res = sgx.reclaim_scenario(
                strategy, pages_per_node=pages_per_node, preset="seed", stall_seconds=STALL
            )
            print(line(res), flush=True)


def shapes(pages_per_node: int, count: int) -> None:
    epc = 2 * pages_per_node
    seed: dict[str, Any] = {
        "nodes": 2,
        "pages_per_node": pages_per_node,
        "enclave_pages": epc + epc // 8,
        "passes": 3,
        "remove_last_pass": True,
        "stall_seconds": STALL,
    }
    for label, shape in SHAPES:
        found = [sgx.reclaim_scenario("plain_node_lock", **seed, **shape) for _ in range(count)]
        outcomes = collections.Counter(r.outcome.name for r in found)
        print(f"{label}: {dict(outcomes)}; counter - free pages: {[r.drift for r in found]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["runs", "shapes"])
    parser.add_argument("--pages-per-node", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "runs":
        runs(args.pages_per_node or sgx.reclaim.SEED_FULL_PAGES_PER_NODE, args.runs)
    else:
        shapes(args.pages_per_node or 1 << 20, args.runs)


if __name__ == "__main__":
    main()
