"""The stand-alone bench scripts run end to end (tiny sizes, so this is a smoke test, not a figure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import pysgxalloc as sgx

HERE = Path(__file__).parent


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HERE / name), *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_strategy_costs_prints_every_strategy_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "costs.json"
    done = run_script(
        "strategy_costs.py",
        "--ops",
        "2000",
        "--repeats",
        "1",
        "--rounds",
        "1",
        "--threads",
        "1",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    for strategy in sgx.STRATEGIES:
        assert strategy.name in done.stdout
    assert "padding ablation" in done.stdout
    assert set(json.loads(out.read_text())["strategies"]) == {s.name for s in sgx.STRATEGIES}


def test_native_overhead_compares_the_hammer_with_the_reference_loop(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    done = run_script(
        "native_overhead.py", "--ops", "2000", "--repeats", "1", "--threads", "1", "--json", str(out)
    )
    if done.returncode != 0 and "compiler" in done.stderr:
        pytest.skip(f"no C++ compiler for the reference loop: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert "hammer/ref" in done.stdout
    rows = json.loads(out.read_text())["rows"]
    assert [row["strategy"] for row in rows] == [s.name for s in sgx.STRATEGIES]
    assert all(row["reference_median"] > 0 and row["hammer_median"] > 0 for row in rows)


def test_lost_vs_net_drift_prints_one_row_per_run_length() -> None:
    done = run_script("lost_vs_net_drift.py", "--ops", "20000,40000", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    rows = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("| 20,000") or line.startswith("| 40,000")
    ]
    assert len(rows) == 2 and all(row.count("|") == 7 for row in rows)


def test_pool_call_cost_compares_epcpool_with_the_bare_core_calls() -> None:
    done = run_script("pool_call_cost.py", "--pairs", "1000", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    for kind in ("EpcPool", "_core.Pool (bare)", "checked in Python"):
        assert kind in done.stdout


@pytest.mark.parametrize(
    "name",
    [
        "strategy_costs.py",
        "native_overhead.py",
        "lost_vs_net_drift.py",
        "pool_call_cost.py",
        "user_strategy_overhead.py",
        "explore_speed.py",
    ],
)
def test_a_bad_argument_is_a_usage_error(name: str) -> None:
    done = run_script(name, "--repeats", "0")
    assert done.returncode == 2
    assert "must be at least 1, got 0" in done.stderr


def test_plain_update_drift_prints_one_line_per_form() -> None:
    done = run_script("plain_update_drift.py", "--runs", "1", "--ops", "50000", "--window-ns", "100")
    assert done.returncode == 0, done.stderr
    for label in ("in_place:", "load_store:", "load_store + 100 ns:"):
        assert label in done.stdout


def test_seed_experiment_runs_the_seed_shape_and_the_shapes_that_may_hang() -> None:
    done = run_script("seed_experiment.py", "runs", "--pages-per-node", "512", "--runs", "1")
    assert done.returncode == 0, done.stderr
    assert "plain_node_lock: " in done.stdout and "atomic: completed" in done.stdout
    done = run_script("seed_experiment.py", "shapes", "--pages-per-node", "512", "--runs", "1")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 7


def test_seed_experiment_walk_prints_the_walk_and_the_same_moment_counts_per_shape() -> None:
    done = run_script("seed_experiment.py", "walk", "--pages-per-node", "512", "--runs", "1")
    assert done.returncode == 0, done.stderr
    headlines = [line for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert len(headlines) == 1 + 9  # the title, the atomic and plain_unlocked baselines, the seven shapes
    assert all("walk: " in line for line in headlines[1:])
    assert done.stdout.count("those with a fault's update within 10 ns") == 9


def test_ninety_page_enclave_prints_one_line_per_configuration() -> None:
    done = run_script("ninety_page_enclave.py", "--runs", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 + 4
    assert lines[2].startswith("faulted pages young (default): ")
    assert all(" x" in line for line in lines[2:])


def test_lost_updates_prints_one_row_per_condition() -> None:
    done = run_script("lost_updates.py", "--ops", "5000", "--repeats", "1", "--works", "0,100")
    if done.returncode == 1 and "needs 2 usable CPUs" in done.stderr:
        pytest.skip("one usable CPU: the script refuses, as it should")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "work between" not in line]
    assert [row.split("|")[1:3] for row in rows] == [[" 0 ", " yes "], [" 0 ", " no "], [" 100 ", " yes "]]


def test_layout_drift_prints_one_row_per_layout() -> None:
    done = run_script("layout_drift.py", "--fills", "1", "--hammers", "1", "--hangs", "1", "--ops", "5000")
    assert done.returncode == 0, done.stderr
    rows = [
        line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| layout")
    ]
    assert [row.split("|")[1].strip() for row in rows] == [layout.name for layout in sgx.MemoryLayout]


def test_user_strategy_overhead_prints_a_ratio_row_per_thread_count(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    done = run_script(
        "user_strategy_overhead.py", "--ops", "2000", "--repeats", "1", "--threads", "1", "--json", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "against the built-in atomic" in done.stdout
    assert [row["threads"] for row in json.loads(out.read_text())["rows"]] == [1]


def test_interrupt_latency_prints_one_row_per_call() -> None:
    done = run_script("interrupt_latency.py", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    for name in ("hammer", "explore", "pool build", "reclaim_scenario"):
        assert name in done.stdout


def test_explore_speed_puts_the_two_engines_side_by_side() -> None:
    done = run_script("explore_speed.py", "--quick", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    assert "runs/s threads" in done.stdout and "runs/s fibers" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("| plain_node_lock 2x1 | sleep"))
    assert row.count("|") == 9
