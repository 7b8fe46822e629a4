"""python -m pysgxalloc: the demo end to end, --help for every command, and clear errors for bad arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_main
from rich.console import Console

import pysgxalloc as sgx
from pysgxalloc.cli.commands import demo
from pysgxalloc.cli.commands.demo import DemoOptions
from pysgxalloc.cli.verdicts import verdict
from pysgxalloc.compare import compare_strategies
from pysgxalloc.hammer_runs import HammerRuns, Setting
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import ACCURACY_LABEL


@pytest.fixture(autouse=True)
def no_reclaim_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process demo runs skip the reclaim section (seconds each); the subprocess tests keep it."""
    monkeypatch.setattr(demo, "EXTRA_SECTIONS", [])


def test_demo_prints_the_machine_one_row_per_strategy_and_a_verdict() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "--ops", "5000", "--repeats", "2", "--reclaim-runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("pysgxalloc: ") and "usable CPUs" in lines[0]
    assert "2 runs per strategy" in lines[0]
    for strategy in sgx.STRATEGIES:
        assert any(line.startswith(strategy.name + " ") for line in lines), strategy.name
    verdicts = [line for line in lines if line.endswith("lost none.")]
    assert len(verdicts) == 1 and "atomic" in verdicts[0]
    assert "Traceback" not in done.stderr


def test_demo_ends_with_the_hang_the_drift_causes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "--ops", "2000", "--repeats", "1", "--reclaim-runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    section = done.stdout[
        done.stdout.index("What the drift does") : done.stdout.index("The second bug")
    ].rstrip()
    for strategy in ("plain_node_lock", "atomic", "per_node"):
        assert any(line.split()[:1] == [strategy] for line in section.splitlines()), strategy
    assert section.rstrip().endswith(".") and "hung" in section.splitlines()[-1]


def test_reclaim_runs_0_leaves_the_hang_section_out() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "--ops", "2000", "--repeats", "1", "--reclaim-runs", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "What the drift does" not in done.stdout


def test_demo_labels_oversubscribed_runs(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "--threads", str(usable_cpus() + 1), "--ops", "2000", "--repeats", "1")
    assert done.code == 0, done.err
    assert "oversubscribed" in done.out.splitlines()[0]


def test_the_demo_command_takes_the_same_options(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(
        capsys, "demo", "--ops", "2000", "--repeats", "1", "--engine", "python", "--threads", "2", "--no-pin"
    )
    assert done.code == 0, done.err
    assert done.out.splitlines()[0].endswith("1 run per strategy, python engine, unpinned, padded layout")


def test_the_demo_pins_threads_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "--pin", "--threads", "2", "--ops", "2000", "--repeats", "1")
    assert done.code == 0, done.err
    assert done.out.splitlines()[0].endswith("native engine, pinned, padded layout")


def test_the_demo_says_when_a_drifting_strategy_showed_no_drift(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "--threads", "1", "--ops", "2000", "--repeats", "1")  # one thread cannot race
    assert done.code == 0, done.err
    assert done.out.splitlines()[-1].startswith(
        "note: plain_node_lock, plain_unlocked can drift but did not here"
    )


def test_demo_options_before_the_demo_command_still_count(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "--ops", "2000", "demo", "--repeats", "1")
    assert done.code == 0, done.err
    assert "2,000 ops per thread, 1 run per strategy" in done.out


def test_extra_demo_sections_print_after_the_verdict(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def section(console: Console, options: DemoOptions) -> None:
        console.print(f"extra section at {options.settings.threads} threads")

    monkeypatch.setattr(demo, "EXTRA_SECTIONS", [section])
    done = run_main(capsys, "--threads", "2", "--ops", "2000", "--repeats", "1")
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[-1] == "extra section at 2 threads"
    assert [line for line in lines if "lost none" in line] != []


def test_ctrl_c_in_the_demo_prints_what_was_measured_and_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def two_runs_then_ctrl_c(**arguments: object) -> None:
        on_run = arguments["on_run"]
        assert callable(on_run)
        on_run(sgx.hammer("atomic", threads=2, ops=2000))
        on_run(sgx.hammer("per_node", threads=2, ops=2000))
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "compare_strategies", two_runs_then_ctrl_c)
    done = run_main(capsys, "--ops", "2000", "--repeats", "1")
    assert done.code == 130
    names, labels = {s.name for s in sgx.STRATEGIES}, set(ACCURACY_LABEL.values())
    rows = [
        w[0] for w in map(str.split, done.out.splitlines()) if len(w) > 1 and w[0] in names and w[1] in labels
    ]
    assert rows == ["atomic", "per_node"]
    # every strategy once, and plain_node_lock once more in the phased section
    assert f"interrupted after 2 of {len(sgx.STRATEGIES) + 1} runs" in done.err


@pytest.mark.parametrize(
    ("command", "own_option"),
    [
        ([], "--repeats"),
        (["demo"], "--repeats"),
        (["sweep"], "--json"),
        (["report"], "sweep JSON or CSV"),
        (["reclaim"], "--stall-seconds"),
    ],
)
def test_every_command_has_help_naming_its_own_options(
    capsys: pytest.CaptureFixture[str], command: list[str], own_option: str
) -> None:
    done = run_main(capsys, *command, "--help")
    assert done.code == 0
    assert done.out.startswith("usage: pysgxalloc")
    assert own_option in done.out


def test_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "--help")
    for command in ["demo", "sweep", "report", "reclaim"]:
        assert command in done.out
    assert "drift" in done.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "0"], "must be at least 1"),
        (["--ops", "many"], "is not an integer"),
        (["--threads", "5000"], "argument --threads: must be between 1 and 1024"),
        (["--nodes", "2000"], "argument --nodes: must be between 1 and 1024"),
        (["--engine", "rust"], "invalid choice: 'rust'"),
        (["--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--ops", "5", "sweep"], "--ops before 'sweep' belong to the demo"),
        (["--pin", "report", "x.json"], "--pin before 'report' belong to the demo"),
        (["sweep", "--threads", "0,2"], "must be at least 1, got 0"),
        (["sweep", "--threads", "two"], "'two' is not an integer"),
        (["sweep", "--threads", ","], "expected a comma-separated list"),
        (["sweep", "--threads", "5000"], "argument --threads: must be between 1 and 1024, got 5000"),
        (["sweep", "--strategies", "atomic,bogus"], "unknown strategy 'bogus'"),
        (["sweep", "--engines", "rust"], "unknown engine 'rust'"),
        (["sweep", "--work", "-1"], "must be at least 0, got -1"),
        (["sweep", "--plot", "figure.txt"], "must end in .png or .svg or .pdf"),
        (["sweep", "--json", "no/such/dir/out.json"], "directory 'no/such/dir' does not exist"),
        (["sweep", "--json", "."], "is a directory"),
        (["report"], "the following arguments are required: FILE"),
    ],
)
def test_bad_arguments_exit_2_with_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    done = run_main(capsys, *args)
    assert done.code == 2
    assert message in done.err
    assert "Traceback" not in done.err


def test_a_bad_argument_writes_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = run_main(capsys, "sweep", "--threads", "1,5000", "--json", str(out))
    assert done.code == 2 and not out.exists()


def test_compare_strategies_runs_each_strategy_the_requested_times() -> None:
    seen: list[str] = []
    summaries = compare_strategies(
        settings=sgx.HammerSettings(threads=2, ops=2_000),
        repeats=3,
        strategies=["atomic", "per_node"],
        on_run=lambda r: seen.append(r.strategy.name),
    )
    assert seen == ["atomic", "per_node"] * 3
    assert [s.strategy.name for s in summaries] == ["atomic", "per_node"]
    for summary in summaries:
        assert summary.runs == 3 and summary.ops_per_sec.shape == (3,)
        assert summary.runs_with_drift == 0
    assert verdict(summaries) == "atomic and per_node lost none."


def test_the_verdict_says_which_strategy_lost_updates_and_how_many() -> None:
    summaries = [
        summary_with_exact("plain_node_lock", [0, -7, +3], [0, -7, +3]),
        summary_with_exact("atomic", [0, 0, 0], [0, 0, 0]),
        summary_with_exact("per_node", [0, 0, 0], [0, 0, 0]),
    ]
    assert verdict(summaries) == (
        "plain_node_lock lost updates in 2 of 3 runs (median |drift| 3, up to 7 in one run); "
        "atomic and per_node lost none."
    )
    summaries[1] = summary_with_exact("atomic", [0, 1, 0], [0, 1, 0])
    assert verdict(summaries).endswith("BUG: exact reads drifted: atomic.")


def summary_with_exact(strategy: str, drift: list[int], exact_drift: list[int]) -> HammerRuns:
    runs = len(drift)
    return HammerRuns(
        setting=Setting(strategy, "native", threads=2, work=0),
        cpus=2,
        exact=sgx.is_exact(strategy),
        ops_per_sec=np.full(runs, 1e6),
        drift=np.array(drift, dtype=np.int64),
        exact_drift=np.array(exact_drift, dtype=np.int64),
    )


def test_a_bounded_cheap_read_that_was_off_is_reported_apart_from_lost_updates() -> None:
    summaries = [
        summary_with_exact("percpu_batch", [0, -12], [0, 0]),
        summary_with_exact("plain_node_lock", [-5, 0], [-5, 0]),
    ]
    assert ACCURACY_LABEL[summaries[0].accuracy] == "bounded"
    assert verdict(summaries) == (
        "percpu_batch's cheap read lagged in 1 of 2 runs (by up to 12 pages; its exact read never); "
        "plain_node_lock lost updates in 1 of 2 runs (median |drift| 2, up to 5 in one run)."
    )


def test_an_exact_read_that_drifted_is_called_a_bug() -> None:
    assert verdict([summary_with_exact("percpu_batch", [3], [3])]).endswith(
        "BUG: exact reads drifted: percpu_batch."
    )
    assert verdict([summary_with_exact("atomic", [1], [1])]).endswith("BUG: exact reads drifted: atomic.")


def test_compare_strategies_rejects_an_empty_choice() -> None:
    with pytest.raises(ValueError, match="at least one strategy"):
        compare_strategies(strategies=[])


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    # `pysgxalloc explore plain_node_lock | head -0`: the reader is gone before the first write
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pysgxalloc", "explore", "plain_node_lock"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 141
