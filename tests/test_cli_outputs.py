"""sweep and report outputs: every path checked before the first run, one path per output, and a write
that still fails at the end costs only itself, never the measurements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import pytest
from cli_helpers import run_main

from pysgxalloc.sweep_record import MAX_RUNS, SweepRecord

TINY = ["--strategies", "atomic", "--threads", "1", "--repeats", "1", "--ops", "1000"]
#: A folder no one can create files in, root included.
UNWRITABLE = Path("/proc/pysgxalloc-test-output")


@pytest.mark.parametrize("option", ["--json", "--csv"])
def test_an_unwritable_output_stops_a_sweep_before_the_first_run(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    done = run_main(capsys, "sweep", *TINY, option, str(UNWRITABLE))
    assert done.code == 2
    assert done.err.count("\n") == 1 and option in done.err and "cannot be written" in done.err
    assert not any(line.startswith("sweep: ") for line in done.err.splitlines())  # no run started


def test_an_unwritable_plot_stops_a_report_before_it_reads_anything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    done = run_main(capsys, "report", str(tmp_path / "absent.json"), "--plot", str(UNWRITABLE) + ".png")
    assert done.code == 2
    assert "--plot" in done.err and "cannot be written" in done.err


def test_one_path_for_two_outputs_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    same = tmp_path / "same.out"
    done = run_main(capsys, "sweep", *TINY, "--json", str(same), "--csv", str(same))
    assert done.code == 2
    assert "--json and --csv name the same file" in done.err
    assert not same.exists()


def test_a_write_that_fails_at_the_end_keeps_the_table_and_the_other_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: SweepRecord, out: BinaryIO) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(SweepRecord, "write_csv", fail)
    json_path, csv_path = tmp_path / "s.json", tmp_path / "s.csv"
    done = run_main(capsys, "sweep", *TINY, "--json", str(json_path), "--csv", str(csv_path))
    assert done.code == 1
    assert "atomic" in done.out  # the table
    assert f"wrote {json_path}" in done.out
    assert f"could not write {csv_path}: Permission denied" in done.err
    assert len(json.loads(json_path.read_text())["measurements"]) == 1


def test_a_sweep_asking_for_more_runs_than_allowed_is_refused_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    done = run_main(capsys, "sweep", *TINY[:4], "--repeats", "99999999999999999999")
    assert done.code == 2
    assert f"at most {MAX_RUNS:,} runs" in done.err
    assert done.out == ""
