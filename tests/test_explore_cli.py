"""`pysgxalloc explore`: the verdict and the failing trace as printed; Ctrl-C keeps the partial search."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_main

LATENCY_LIMIT_S = 1.0


def test_explore_plain_node_lock_prints_the_lost_update(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_main(capsys, "explore", "plain_node_lock")
    assert outcome.code == 0
    assert "LOST UPDATE" in outcome.out
    assert "complete: every schedule" in outcome.out


def test_explore_atomic_says_every_schedule_keeps_the_count_exact(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_main(capsys, "explore", "atomic", "--preemption-bound", "2", "--ops", "3")
    assert outcome.code == 0
    assert "keeps the count exact" in outcome.out
    assert "LOST UPDATE" not in outcome.out


def test_explore_hang_prints_the_shortest_hang(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_main(capsys, "explore", "--hang", "plain_node_lock")
    assert outcome.code == 0
    assert "ksgxd" in outcome.out
    assert "reached the hang" in outcome.out


def test_explore_says_incomplete_when_it_hits_its_limit(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_main(capsys, "explore", "atomic", "--threads", "3", "--ops", "3", "--max-schedules", "5")
    assert outcome.code == 0
    assert "INCOMPLETE: stopped by max_schedules" in outcome.out


@pytest.mark.parametrize(
    "args",
    [
        ("explore", "plain_node_lck"),
        ("explore", "atomic", "--threads", "0"),
        ("explore", "atomic", "--ops", "999"),
    ],
)
def test_explore_refuses_bad_arguments_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    outcome = run_main(capsys, *args)
    assert outcome.code == 2
    assert "error" in outcome.err


def test_explore_plot_draws_the_failing_timeline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "trace.png"
    outcome = run_main(capsys, "explore", "plain_node_lock", "--ops", "1", "--plot", str(path))
    assert outcome.code == 0
    assert path.stat().st_size > 0


CHILD = """
import time, pysgxalloc as sgx
print("running", flush=True)
res = {search}
print(time.monotonic(), res.stopped, res.complete, res.schedules, flush=True)
"""

SEARCHES = [
    'sgx.explore("plain_node_lock", threads=4, ops=4, max_schedules=10**12, time_limit=3600)',
    'sgx.explore("plain_node_lock", threads=4, ops=4, engine="threads", time_limit=600)',
    'sgx.explore_hang("plain_node_lock", preemption_bound=4, max_schedules=10**12, time_limit=3600)',
]


@pytest.mark.parametrize("search", SEARCHES, ids=["fibers", "threads", "hang"])
def test_ctrl_c_stops_a_search_within_a_second_and_returns_what_it_explored(search: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.replace("{search}", search)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().split() == ["running"]
    time.sleep(0.5)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, out + err
    returned, stopped, complete, schedules = out.split()
    assert float(returned) - sent < LATENCY_LIMIT_S
    assert (stopped, complete) == ("interrupted", "False")
    assert int(schedules) > 0
