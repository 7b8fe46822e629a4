"""python -m pysgxalloc: the demo table end to end, and clear errors for bad arguments."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import pysgxalloc as sgx
from pysgxalloc.compare import StrategySummary, compare_strategies, format_table, verdict
from pysgxalloc.machine import usable_cpus


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pysgxalloc", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_demo_prints_one_row_per_strategy_and_a_verdict() -> None:
    done = run_cli("--ops", "5000", "--repeats", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("pysgxalloc: ") and "usable CPUs" in lines[0]
    for strategy in sgx.STRATEGIES:
        assert any(line.startswith(strategy.name + " ") for line in lines), strategy.name
    assert "atomic" in lines[-1] and lines[-1].endswith(".")


def test_demo_labels_oversubscribed_runs() -> None:
    done = run_cli("--threads", str(usable_cpus() + 1), "--ops", "2000", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    assert "oversubscribed" in done.stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "0"], "must be at least 1"),
        (["--ops", "many"], "is not an integer"),
        (["--threads", "5000"], "threads must be between 1 and 1024"),
        (["--nodes", "2000"], "nodes must be between 1 and 1024"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_message_not_a_traceback(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_help_describes_the_demo() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    assert "drift" in done.stdout


def test_compare_strategies_runs_each_strategy_the_requested_times() -> None:
    summaries = compare_strategies(threads=2, ops=2_000, repeats=3, strategies=["atomic", "per_node"])
    assert [s.strategy.name for s in summaries] == ["atomic", "per_node"]
    for summary in summaries:
        assert summary.runs == 3 and summary.ops_per_sec.shape == (3,)
        assert summary.runs_with_drift == 0
    table = format_table(summaries)
    assert table.splitlines()[0].split()[:2] == ["strategy", "exact"]
    assert verdict(summaries) == "atomic, per_node never drifted."


def summary(strategy: str, drift: list[int], exact_drift: list[int]) -> StrategySummary:
    runs = len(drift)
    return StrategySummary(
        strategy=sgx.Strategy[strategy],
        threads=2,
        cpus=2,
        ops_per_sec=np.full(runs, 1e6),
        drift=np.array(drift, dtype=np.int64),
        exact_drift=np.array(exact_drift, dtype=np.int64),
    )


def test_a_bounded_cheap_read_that_was_off_is_reported_apart_from_lost_updates() -> None:
    summaries = [summary("percpu_batch", [0, -12], [0, 0]), summary("plain_node_lock", [-5, 0], [-5, 0])]
    assert format_table(summaries).splitlines()[2].split()[:2] == ["percpu_batch", "bounded"]
    assert verdict(summaries) == (
        "percpu_batch's cheap read was off in 1 of 2 runs (by up to 12 pages; its exact read never); "
        "plain_node_lock drifted in 1 of 2 runs (off by up to 5 pages)."
    )


def test_an_exact_read_that_drifted_is_called_a_bug() -> None:
    assert verdict([summary("percpu_batch", [3], [3])]).endswith("BUG: exact reads drifted: percpu_batch.")
    assert verdict([summary("atomic", [1], [1])]).endswith("BUG: exact reads drifted: atomic.")


def test_compare_strategies_rejects_an_empty_choice() -> None:
    with pytest.raises(ValueError, match="at least one strategy"):
        compare_strategies(strategies=[])
