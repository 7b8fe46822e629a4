"""python -m pysgxalloc reclaim end to end on small pools, and the summaries behind its table."""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import Outcome, run_main

from pysgxalloc.cli import reclaim_report
from pysgxalloc.cli.verdicts import reclaim_verdict
from pysgxalloc.reclaim_runs import reclaim_runs, summarize_reclaim

SMALL = ["--pages-per-node", "256", "--enclave-pages", "1024"]
SMALL_KW: dict[str, Any] = {"pages_per_node": 256, "enclave_pages": 1024}


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """main() in this process (a subprocess costs a second of start-up); argparse's exits caught."""
    return functools.partial(run_main, capsys)


def test_reclaim_prints_the_scenario_a_row_per_strategy_and_a_verdict(
    run_cli: Callable[..., Outcome],
) -> None:
    done = run_cli("reclaim", "--runs", "2", "--strategies", "atomic,per_node", *SMALL)
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0].startswith("pysgxalloc reclaim: 2 fault workers pinned + 1 reclaimer on ")
    assert "EPC 2 x 256 pages, enclave 1,024 pages" in lines[0]
    assert any(line.split()[:3] == ["atomic", "yes", "0/2"] for line in lines)
    assert any(line.split()[:3] == ["per_node", "yes", "0/2"] for line in lines)
    assert lines[-1] == "atomic, per_node never hung."


def test_reclaim_shows_an_injected_hang_without_calling_it_a_bug(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli(
        "reclaim",
        "--runs",
        "1",
        "--strategies",
        "per_node",
        "--initial-drift",
        "100",
        "--stall-seconds",
        "0.05",
        *SMALL,
    )
    assert done.code == 0, done.err
    assert "counter started off by +100" in done.out
    assert "per_node hung in 1 of 1 run (counter off by +100 .. +100 at the hang)." in done.out
    assert "BUG" not in done.out


def test_reclaim_walk_says_an_injected_drift_left_zero_from_the_first_sample(
    run_cli: Callable[..., Outcome],
) -> None:
    done = run_cli(
        "reclaim",
        "--runs",
        "2",
        "--strategies",
        "atomic_in_lock",
        "--initial-drift",
        "5",
        "--walk",
        "0.001",
        *SMALL,
    )
    assert done.code == 0, done.err
    assert done.out.splitlines()[-1].startswith(
        "drift walk (count - free pages, sampled under every node lock"
    )
    # atomic_in_lock updates inside the node lock: every sample is exact, so each walk sits at
    # +5 from its first sample and never steps
    assert "atomic_in_lock: the walk left 0 in 2 of 2 runs, first after " in done.out
    assert "then stepped 0 times and reached |drift| 5 (medians; up to 5)" in done.out


def test_reclaim_walk_says_when_a_walk_stayed_at_zero(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--runs", "1", "--strategies", "per_node", "--walk", "0.001", *SMALL)
    assert done.code == 0, done.err
    assert "per_node: the walk stayed at 0 in its one run" in done.out


def test_reclaim_without_a_walk_prints_no_walk(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--runs", "1", "--strategies", "per_node", *SMALL)
    assert done.code == 0, done.err
    assert "drift walk" not in done.out


def test_reclaim_without_pinning_says_so(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--runs", "1", "--strategies", "atomic", "--no-pin", *SMALL)
    assert done.code == 0, done.err
    assert done.out.startswith("pysgxalloc reclaim: 2 fault workers + 1 reclaimer")


def test_ctrl_c_keeps_the_finished_runs_and_exits_130(
    run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C arrives after the second run, every time: the runs are real, the interrupt is placed
    # (a signal sent after a sleep could land before any run had finished on a busy machine).
    def two_runs_then_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        runs = reclaim_runs(*args, **kwargs)
        yield next(runs)
        yield next(runs)
        raise KeyboardInterrupt

    monkeypatch.setattr(reclaim_report, "reclaim_runs", two_runs_then_ctrl_c)
    args = [
        "reclaim",
        "--runs",
        "100",
        "--strategies",
        "atomic",
        "--initial-drift",
        "100",
        "--stall-seconds",
        "0.1",
    ]
    done = run_cli(*args, *SMALL)
    assert done.code == 130, done.err
    assert "interrupted after 2 of 100 runs" in done.err and "Traceback" not in done.err
    assert "atomic hung in" in done.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "0"], "must be at least 1"),
        (["--strategies", "atomic,bogus"], "unknown strategy 'bogus'"),
        (["--strategies", ","], "expected a comma-separated list, got nothing"),
        (["--low", "65", "--high", "64"], "argument --low: must not exceed --high, got --low 65, --high 64"),
        (["--scan", "0"], "argument --scan: must be between 1 and 65536, got 0"),
        (["--stall-seconds", "soon"], "'soon' is not a number of seconds"),
        (["--stall-seconds", "0"], "argument --stall-seconds: must be between 0.001 and 3600"),
        (["--comparison", "sideways"], "invalid choice"),
        (["--enclave-pages", "many"], "'many' is not an integer"),
        (["--walk", "0.0001"], "argument --walk: must be between 0.001 and 3600"),
    ],
)
def test_bad_reclaim_arguments_exit_2_with_a_message(
    run_cli: Callable[..., Outcome], args: list[str], message: str
) -> None:
    done = run_cli("reclaim", "--runs", "1", *args)
    assert done.code == 2
    assert message in done.err


def test_a_bad_argument_from_the_command_line_prints_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "reclaim", "--low", "65", "--high", "64", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "pysgxalloc reclaim: error: argument --low: must not exceed --high" in done.stderr
    assert "Traceback" not in done.stderr


def test_reclaim_help_explains_the_hang(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--help")
    assert done.code == 0
    assert "reclaimer" in done.out and "--stall-seconds" in done.out


def test_summaries_group_runs_by_strategy_in_order() -> None:
    results = list(reclaim_runs(["per_node", "atomic"], runs=2, **SMALL_KW))
    assert [r.strategy.name for r in results] == ["per_node", "atomic", "per_node", "atomic"]
    summaries = summarize_reclaim(results)
    assert [(s.strategy.name, s.runs, s.hung) for s in summaries] == [("per_node", 2, 0), ("atomic", 2, 0)]
    assert summaries[0].completion_seconds.shape == (2,) and summaries[0].drift_at_hang.shape == (0,)


def test_the_verdict_calls_only_a_natural_hang_of_an_exact_strategy_a_bug() -> None:
    hung = next(reclaim_runs(["atomic"], runs=1, initial_drift=100, stall_seconds=0.05, **SMALL_KW))
    assert hung.hung
    assert "BUG" not in reclaim_verdict(summarize_reclaim([hung]))
    # the same hang without an injected drift would be the model's fault
    natural = dataclasses.replace(hung, settings=dataclasses.replace(hung.settings, initial_drift=0))
    assert reclaim_verdict(summarize_reclaim([natural])).endswith("BUG: exact strategies hung: atomic.")


def test_reclaim_runs_rejects_an_empty_choice_and_zero_runs() -> None:
    with pytest.raises(ValueError, match="at least one strategy"):
        next(reclaim_runs([]))
    with pytest.raises(ValueError, match="runs must be at least 1"):
        next(reclaim_runs(["atomic"], runs=0))


def test_reclaim_seed_runs_the_seed_shape_and_says_so(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--seed", "--runs", "1", "--strategies", "atomic", "--pages-per-node", "256")
    assert done.code == 0, done.err
    first = done.out.splitlines()[0]
    assert "preset seed: 1 fault worker" in first
    assert "enclave 576 pages (one shared enclave), 3 passes, the last removing every page" in first


def test_reclaim_seed_with_a_shape_of_its_own_is_refused(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--seed", "--threads", "4", "--runs", "1", "--strategies", "atomic")
    assert done.code == 2
    assert "argument --seed: sets --threads itself" in done.err


def test_stalled_runs_are_counted_apart_from_hangs_and_raise_no_bug(run_cli: Callable[..., Outcome]) -> None:
    # one retry too many ends an atomic run as stalled (the proof says it was not stuck)
    done = run_cli(
        "reclaim", "--runs", "1", "--strategies", "atomic", "--threads", "1", "--nodes", "1",
        "--pages-per-node", "64", "--enclave-pages", "8192", "--passes", "10", "--max-retries", "1",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "atomic never hung" in done.out
    assert "Stalled without a hang (starved of CPU, not stuck; not counted as hangs): atomic 1." in done.out
    assert "BUG" not in done.out


def test_the_plain_update_form_and_its_remote_fetch_reach_the_runs_and_the_header(
    run_cli: Callable[..., Outcome],
) -> None:
    done = run_cli(
        "reclaim", "--runs", "1", "--strategies", "plain_node_lock", "--plain-update", "load_store",
        "--remote-fetch-ns", "100", *SMALL,
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "; plain update load_store, 100 ns remote fetch" in done.out.splitlines()[0]


def test_a_remote_fetch_needs_the_load_store_form(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--runs", "1", "--strategies", "atomic", "--remote-fetch-ns", "100", *SMALL)
    assert done.code == 2
    assert "argument --remote-fetch-ns: needs --plain-update load_store" in done.err
