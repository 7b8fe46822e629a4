"""report on hostile files: each is refused with exit 2 and one line, or shown as plain text; none can
hang report, exhaust its memory or end it in a traceback.

Files come from other machines and other people: any string in them is text (never rich
markup), any number must be one a run can have, and the file itself must be a regular file
of bounded size.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_main

from pysgxalloc.input_file import MAX_FILE_BYTES
from pysgxalloc.sweep_record import Measurement, SweepConfig, SweepRecord


def benchmark_file(tmp_path: Path, machine: dict[str, Any] | None = None, **extra: Any) -> Path:
    """A pytest-benchmark file holding one of our hammer benchmarks, with `extra` over its figures."""
    figures = {"strategy": "atomic", "engine": "native", "threads": 2, "work": 0, "cpus": 2,
               "ops_per_sec": 1e6, "drift": 0, **extra}  # fmt: skip
    data = {
        "machine_info": {"node": "host", "processor": "cpu", "cpu": {"count": 2}, **(machine or {})},
        "benchmarks": [{"name": "test_hammer", "extra_info": figures}],
    }
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data))
    return path


def report_in_a_child(*files: str) -> subprocess.CompletedProcess[str]:
    """report run in its own interpreter, for files that could hang it or fill memory."""
    return subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "report", *files], capture_output=True, text=True, timeout=60
    )


def assert_refused(done: Any, words: str) -> None:
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and words in done.err


@pytest.mark.parametrize(
    ("figures", "words"),
    [
        ({"drift": 10**30}, "drift must lie within"),
        ({"ops_per_sec": 1e300}, "ops_per_sec must lie within"),
    ],
)
def test_a_number_no_run_can_have_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, figures: dict[str, Any], words: str
) -> None:
    assert_refused(run_main(capsys, "report", str(benchmark_file(tmp_path, **figures))), words)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_number_json_does_not_have_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, constant: str
) -> None:
    path = benchmark_file(tmp_path, ops_per_sec=1.5)
    path.write_text(path.read_text().replace("1.5", constant))
    assert_refused(run_main(capsys, "report", str(path)), f"holds {constant}")


def test_a_bool_is_no_thread_count(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    done = run_main(capsys, "report", str(benchmark_file(tmp_path, threads=True)))
    assert done.code == 1
    assert "none of the files holds pysgxalloc results" in done.err


def test_deeply_nested_json_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert_refused(run_main(capsys, "report", str(path)), "nested too deeply")


def test_a_file_larger_than_the_limit_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert_refused(run_main(capsys, "report", str(path)), "larger than")


def test_a_sweep_file_declaring_more_runs_than_allowed_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = SweepRecord.start(SweepConfig(strategies=("atomic",), threads=(1,))).to_dict()
    data["config"]["repeats"] = 10**12
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(data))
    assert_refused(run_main(capsys, "report", str(path)), "at most")


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    done = report_in_a_child(str(fifo))
    assert done.returncode == 2
    assert "is not a regular file" in done.stderr


def test_a_device_is_refused_without_reading_it() -> None:
    done = report_in_a_child("/dev/zero")
    assert done.returncode == 2
    assert "is not a regular file" in done.stderr


@pytest.mark.parametrize("field", ["node", "processor"])
def test_markup_in_a_machine_field_is_printed_as_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, field: str
) -> None:
    done = run_main(capsys, "report", str(benchmark_file(tmp_path, machine={field: "[/x]"})))
    assert done.code == 0, done.err
    assert "[/x]" in done.out


def test_markup_in_a_strategy_name_is_printed_as_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("[/x]", "[bold red]evil[/]"):
        done = run_main(capsys, "report", str(benchmark_file(tmp_path, strategy=name)))
        assert done.code == 0, done.err
        assert name in done.out


def sweep_csv(tmp_path: Path, **cells: str) -> Path:
    """A sweep CSV of one measurement, as ``sweep --csv`` writes it, with `cells` (column -> text) over it."""
    config = SweepConfig(strategies=("atomic",), threads=(2,), repeats=1)
    measurement = Measurement("atomic", "native", 2, 0, 2000, 0.001, 2e6, 0, 10, 10, 0, False, True)
    path = tmp_path / "sweep.csv"
    SweepRecord.start(config).adding(measurement).save_csv(path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(cells)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_sweep_csv_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    done = run_main(capsys, "report", str(sweep_csv(tmp_path)))
    assert done.code == 0, done.err
    assert "atomic" in done.out and "2.0" in done.out


def test_a_sweep_csv_with_a_spreadsheets_byte_order_mark_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = sweep_csv(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    done = run_main(capsys, "report", str(path))
    assert done.code == 0, done.err
    assert "atomic" in done.out


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        ({"threads": "nan"}, "threads must be an integer"),
        ({"threads": "-2"}, "threads must be a thread count"),
        ({"threads": "0"}, "threads must be a thread count"),
        ({"threads": str(10**26)}, "threads must lie within"),
        ({"threads": "5000"}, "threads must be a thread count"),
        ({"ops_per_sec": "nan"}, "ops_per_sec must lie within"),
        ({"ops_per_sec": "inf"}, "ops_per_sec must lie within"),
        ({"ops_per_sec": "-1"}, "ops_per_sec must not be negative"),
        ({"drift": "1e400"}, "drift must be an integer"),
        ({"cpus": "0"}, "cpus must be at least 1"),
    ],
)
def test_a_sweep_csv_number_no_run_can_have_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cells: dict[str, str], words: str
) -> None:
    done = run_main(capsys, "report", str(sweep_csv(tmp_path, **cells)))
    assert_refused(done, words)
    assert "line 2" in done.err


def test_a_sweep_csv_row_with_fields_missing_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = sweep_csv(tmp_path)
    path.write_text(path.read_text() + "host,2\n")
    assert_refused(run_main(capsys, "report", str(path)), "line 3 has 2 fields")


def test_a_csv_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    done = report_in_a_child(str(fifo))
    assert done.returncode == 2
    assert "is not a regular file" in done.stderr


def test_a_csv_larger_than_the_limit_is_refused_without_reading_it_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert_refused(run_main(capsys, "report", str(path)), "larger than")


def test_a_json_integer_of_more_digits_than_python_converts_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = benchmark_file(tmp_path, drift=7)
    path.write_text(path.read_text().replace('"drift": 7', '"drift": ' + "9" * 5000))
    assert_refused(run_main(capsys, "report", str(path)), "an integer of 5,000 digits")


def test_a_json_thread_count_beyond_what_a_run_accepts_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert_refused(run_main(capsys, "report", str(benchmark_file(tmp_path, threads=10**6))), "thread count")


def test_a_sweep_json_thread_count_beyond_what_a_run_accepts_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = SweepConfig(strategies=("atomic",), threads=(2,), repeats=1)
    measurement = Measurement("atomic", "native", 2, 0, 2000, 0.001, 2e6, 0, 10, 10, 0, False, True)
    data = SweepRecord.start(config).adding(measurement).to_dict()
    data["measurements"][0]["threads"] = -3
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(data))
    assert_refused(run_main(capsys, "report", str(path)), "measurements[0].threads must be a thread count")


@pytest.mark.parametrize(
    ("machine", "figures"),
    [
        ({"node": "\x1b]0;pwned\x07\x1b[2J"}, {}),
        ({"processor": "cpu\x00\u202eevil"}, {}),
        ({}, {"strategy": "atomic\x1b[31m\u2066"}),
    ],
)
def test_terminal_control_text_from_a_file_is_shown_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, machine: dict[str, Any], figures: dict[str, Any]
) -> None:
    done = run_main(capsys, "report", str(benchmark_file(tmp_path, machine=machine, **figures)))
    assert done.code == 0, done.err
    for unsafe in ("\x1b", "\x07", "\x00", "\u202e", "\u2066"):
        assert unsafe not in done.out
    assert "\\x1b" in done.out or "\\x00" in done.out
