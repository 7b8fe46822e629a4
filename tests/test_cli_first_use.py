"""What a new user meets on the command line: help, one-line errors, notices, presets, shared files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_main

from pysgxalloc.cli.commands import demo
from pysgxalloc.cli.commands.sweep import default_thread_counts
from pysgxalloc.cli.plots import PlotUnavailableError, require_matplotlib
from pysgxalloc.machine import usable_cpus

COMMANDS = [[], ["demo"], ["sweep"], ["report"], ["reclaim"]]
SMALL_RECLAIM = ["--pages-per-node", "256", "--enclave-pages", "1024"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_shows_no_internal_names(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    done = run_main(capsys, *command, "--help")
    assert done.code == 0
    words = [word.strip("[],.`'()") for word in done.out.split()]
    # DEMO_OPS, SAVE_INTERVAL; an environment variable a user sets ($PYSGXALLOC_STRATEGIES) is none
    internal = [word for word in words if "_" in word and word.isupper() and not word.startswith("$")]
    assert internal == []


@pytest.mark.parametrize(
    "args",
    [["--threads", "0"], ["sweep", "--threads", "x"], ["reclaim", "--runs", "0"], ["report"], ["--bogus"]],
)
def test_a_bad_argument_prints_one_line_and_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    done = run_main(capsys, *args)
    assert done.code == 2
    assert done.out == ""
    assert len(done.err.splitlines()) == 1, done.err
    assert done.err.startswith("pysgxalloc") and "error:" in done.err and "--help" in done.err


def test_ctrl_c_in_the_demo_notes_it_on_stderr_after_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def ctrl_c_at_once(**arguments: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "compare_strategies", ctrl_c_at_once)
    done = run_main(capsys, "--ops", "2000", "--repeats", "1")
    assert done.code == 130
    assert "interrupted" not in done.out
    assert done.err.splitlines()[-1].startswith("interrupted after 0 of ")


def test_the_strategies_preset_runs_one_to_twice_the_cpus_threads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "preset.json"
    done = run_main(
        capsys, "sweep", "--preset", "strategies", "--strategies", "atomic", "--ops", "2000",
        "--repeats", "1", "--rounds", "1", "--json", str(out),
    )  # fmt: skip
    assert done.code == 0, done.err
    threads = json.loads(out.read_text())["config"]["threads"]
    assert tuple(threads) == default_thread_counts(2 * usable_cpus())
    assert threads[0] == 1 and threads[-1] == 2 * max(1, usable_cpus())


def test_reclaim_takes_the_counter_batch_and_the_watermark_read(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(
        capsys, "reclaim", "--runs", "1", "--strategies", "percpu_batch", "--counter-batch", "8",
        "--watermark-read", "exact_near_watermark", *SMALL_RECLAIM,
    )  # fmt: skip
    assert done.code == 0, done.err
    first = done.out.splitlines()[0]
    assert "counter_batch 8" in first and "exact_near_watermark watermark read" in first


def test_sweep_files_are_all_readable_as_the_umask_allows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths = [tmp_path / "s.json", tmp_path / "s.csv"]
    old = os.umask(0o022)
    try:
        done = run_main(
            capsys, "sweep", "--strategies", "atomic", "--threads", "1", "--ops", "2000", "--repeats", "1",
            "--json", str(paths[0]), "--csv", str(paths[1]),
        )  # fmt: skip
    finally:
        os.umask(old)
    assert done.code == 0, done.err
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o644, 0o644]


def test_the_missing_matplotlib_hint_works_without_a_package_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(PlotUnavailableError) as raised:
        require_matplotlib()
    message = str(raised.value)
    assert "pip install matplotlib" in message
    assert "pysgxalloc[plot]" not in message  # pysgxalloc is on no index: that would fail


def test_the_version_option_needs_no_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("pysgxalloc ")
