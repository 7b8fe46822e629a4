"""`pysgxalloc explore`: the verdict and the failing trace as printed; Ctrl-C keeps the partial search."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from cli_helpers import run_main
from interrupted_child import interrupt_child


def test_explore_plain_node_lock_prints_the_lost_update(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_main(
        capsys, "explore", "plain_node_lock", "--time-limit", "86400"
    )  # complete: not the clock
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
        ("explore", "atomic", "--mode", "random"),
        ("explore", "atomic", "--mode", "pct", "--depth", "0"),
        ("explore", "atomic", "--mode", "pct", "--depth", "1000000"),
        ("explore", "atomic", "--mode", "pct", "--runs", "0"),
        ("explore", "atomic", "--mode", "pct", "--seed", "-1"),
        ("explore", "atomic", "--mode", "pct", "--steps", "0"),
    ],
)
def test_explore_refuses_bad_arguments_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    outcome = run_main(capsys, *args)
    assert outcome.code == 2
    assert "error" in outcome.err


BOUND = re.compile(
    r"at least 1/\(n k\^\(d-1\)\) = 1/\(([\d,]+) x ([\d,]+)\^(\d+)\) = ([\d.e+-]+) per run; "
    r"with 99% within ([\d,]+) runs"
)


def test_explore_pct_prints_its_bound_and_the_runs_it_implies_for_99_percent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome = run_main(
        capsys, "explore", "plain_node_lock", "--threads", "8", "--pages-per-node", "4", "--mode", "pct",
        "--depth", "3", "--runs", "50", "--seed", "1",
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    found = BOUND.search(outcome.out)
    assert found, outcome.out
    n, k, power = (int(group.replace(",", "")) for group in found.groups()[:3])
    printed_p, printed_runs = float(found[4]), int(found[5].replace(",", ""))
    assert (n, power) == (8, 3 - 1)  # n threads, d - 1 change points
    assert f"k = {k:,} steps" in outcome.out
    p = 1 / (n * k**power)
    assert printed_p == float(f"{p:.3g}")
    assert printed_runs == math.ceil(math.log(0.01) / math.log(1 - p))


def test_explore_plot_draws_the_failing_timeline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "trace.png"
    outcome = run_main(capsys, "explore", "plain_node_lock", "--ops", "1", "--plot", str(path))
    assert outcome.code == 0
    assert path.stat().st_size > 0


SEARCHES = {
    "fibers": "sgx.explore('plain_node_lock', threads=4, ops=4, max_schedules=10**12, time_limit=3600)",
    "threads": "sgx.explore('plain_node_lock', threads=4, ops=4, engine='threads', time_limit=3600)",
    "pct": "sgx.explore('plain_node_lock', threads=4, ops=4, mode='pct', runs=10**12, time_limit=3600)",
    "hang": "sgx.explore_hang('plain_node_lock', preemption_bound=4, max_schedules=10**12, time_limit=3600)",
}


@pytest.mark.parametrize("search", SEARCHES.values(), ids=SEARCHES.keys())
def test_ctrl_c_stops_a_search_and_its_keyboard_interrupt_holds_what_it_explored(search: str) -> None:
    after = "print(stop.result.stopped, stop.result.complete, stop.result.schedules > 0)"
    _, threads, printed = interrupt_child(search, after=after)
    assert printed == "interrupted False True"
    assert threads == 0
