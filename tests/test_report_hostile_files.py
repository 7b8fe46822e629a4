"""report on hostile files: each is refused with exit 2 and one line, or shown as plain text; none can
hang report, exhaust its memory or end it in a traceback.

Files come from other machines and other people: any string in them is text (never rich
markup), any number must be one a run can have, and the file itself must be a regular file
of bounded size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_main

from pysgxalloc.input_file import MAX_FILE_BYTES
from pysgxalloc.sweep_record import SweepConfig, SweepRecord


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
