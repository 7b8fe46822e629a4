"""The seed report's experiment: its shape at any size, one line per run, and the shapes that hang.

python bench/seed_experiment.py runs [--pages-per-node 16777216] [--runs 3]
    preset="seed" for plain_node_lock and atomic: outcome, faults, the counter against the
    free pages, and the time split between ksgxd reclaiming and the fault waiting for a page
python bench/seed_experiment.py shapes [--pages-per-node 1048576] [--runs 3]
    plain_node_lock in the seed's shape with wider windows, and with two faulting threads
python bench/seed_experiment.py walk [--pages-per-node 1048576] [--runs 3]
    the same shapes, watched from inside: how the drift walks over each run (sampled every
    10 ms under every node lock) and how often two threads updated the count within 10 ns,
    30 ns, 100 ns, 300 ns and 1 us of each other (every update stamped)
"""

from __future__ import annotations

import argparse
import collections
from typing import Any

import pysgxalloc as sgx

STALL = 60.0
WALK_EVERY = 0.01
WINDOWS_NS = (10, 30, 100, 300, 1000)  # the first reclaim clears 2 x pages accessed bits before it evicts one

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


def seed_shape(pages_per_node: int) -> dict[str, Any]:
    preset = sgx.ReclaimSettings(nodes=2, pages_per_node=pages_per_node, preset="seed")
    return {
        "nodes": 2,
        "pages_per_node": pages_per_node,
        "enclave_pages": preset.enclave_pages,  # the preset's, with the rest of the shape left free
        "passes": 3,
        "remove_last_pass": True,
        "stall_seconds": STALL,
    }


def shapes(pages_per_node: int, count: int) -> None:
    seed = seed_shape(pages_per_node)
    for label, shape in SHAPES:
        found = [sgx.reclaim_scenario("plain_node_lock", **seed, **shape) for _ in range(count)]
        outcomes = collections.Counter(r.outcome.name for r in found)
        print(f"{label}: {dict(outcomes)}; counter - free pages: {[r.drift for r in found]}", flush=True)


def per_million(count: int, of: int) -> str:
    return f"{count:,} ({1e6 * count / of:,.0f}/M)" if of else "0"


def watched(label: str, res: sgx.ReclaimResult) -> str:
    walk, log = res.drift_walk, res.update_log
    assert walk is not None and log is not None
    first = walk.first_nonzero_seconds
    drift_text = (
        f"drift {res.drift:+d} at the end; walk: {walk.samples} samples over {res.elapsed_seconds:.1f} s, "
        f"stepped {walk.changes} times, max |drift| {walk.max_abs_drift}, "
        + (f"first off at {first:.2f} s" if first is not None else "never off")
    )
    ksgxd = len(log.ksgxd)
    near_ksgxd = ", ".join(f"{w} ns {per_million(log.ksgxd_near_workers(w), ksgxd)}" for w in WINDOWS_NS)
    filled = " (a log filled: compared up to its end)" if log.full else ""
    text = (
        f"{label}: {res.outcome.name}; {drift_text}\n"
        f"    {log.updates:,} updates stamped{filled}; "
        f"of ksgxd's {ksgxd:,}, those with a fault's update within {near_ksgxd}"
    )
    if len(log.workers) > 1:
        mine = sum(len(w) for w in log.workers)
        near_workers = ", ".join(
            f"{w} ns {per_million(log.workers_near_each_other(w), mine)}" for w in WINDOWS_NS
        )
        text += f"\n    of the faults' {mine:,}, those with the other fault's within {near_workers}"
    return text


def walk(pages_per_node: int, count: int) -> None:
    seed = seed_shape(pages_per_node)
    limit = (seed["passes"] + 1) * seed["enclave_pages"]  # no thread can make more updates
    print(f"2 x {pages_per_node:,} pages; {count} runs each", flush=True)
    one_thread = {"threads": 1, "shared_enclave": True}
    baselines = [
        ("seed shape, atomic", "atomic", one_thread),  # exact: what "never lost" looks like in the log
        (
            "seed shape, plain_unlocked",
            "plain_unlocked",
            one_thread,
        ),  # the racy update, no node lock around it
    ]
    for label, strategy, shape in [
        *baselines,
        *((f"plain_node_lock, {name}", "plain_node_lock", extra) for name, extra in SHAPES),
    ]:
        for _ in range(count):
            res = sgx.reclaim_scenario(
                strategy, **seed, **shape, walk_interval_seconds=WALK_EVERY, update_log_limit=limit
            )
            print(watched(label, res), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["runs", "shapes", "walk"])
    parser.add_argument("--pages-per-node", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "runs":
        runs(args.pages_per_node or sgx.ReclaimSettings.SEED_FULL_PAGES_PER_NODE, args.runs)
    elif args.mode == "shapes":
        shapes(args.pages_per_node or 1 << 20, args.runs)
    else:
        walk(args.pages_per_node or 1 << 20, args.runs)


if __name__ == "__main__":
    main()
