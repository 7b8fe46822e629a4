"""pysgxalloc report: its own sweep JSON and pytest-benchmark's JSON, from any machine, side by side."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_main

from pysgxalloc.hammer_runs import Setting
from pysgxalloc.result_files import read_result_file

REPO = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def benchmark_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pytest-benchmark file: the bench suite run on a tiny configuration."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "bench/test_throughput.py", "bench/test_drift_by_work.py", "-q",
         "-p", "no:cacheprovider", "--threads", "1,2", "--strategies", "plain_node_lock,atomic",
         "--engines", "native,python", "--works", "0,50", "--ops", "2000", "--runs", "2",
         f"--benchmark-json={out}"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def sweep_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "sweep.json"
    from pysgxalloc.__main__ import main

    code = main(["sweep", "--strategies", "plain_node_lock,atomic", "--threads", "1,2", "--repeats", "2",
                 "--ops", "2000", "--json", str(out)])  # fmt: skip
    assert code == 0
    return out


def test_report_reads_its_own_sweep(capsys: pytest.CaptureFixture[str], sweep_json: Path) -> None:
    capsys.readouterr()
    done = run_main(capsys, "report", str(sweep_json))
    assert done.code == 0, done.err
    assert "[1] " in done.out and "(sweep, " in done.out
    rows = [
        line.split() for line in done.out.splitlines() if line.startswith(("plain_node_lock ", "atomic "))
    ]
    assert [row[:3] for row in rows] == [
        ["plain_node_lock", "native", "1"],
        ["plain_node_lock", "native", "2"],
        ["atomic", "native", "1"],
        ["atomic", "native", "2"],
    ]


def test_report_reads_the_figures_our_benchmarks_record_in_pytest_benchmark_json(
    benchmark_json: Path,
) -> None:
    result = read_result_file(benchmark_json)
    assert result.kind == "pytest-benchmark"
    assert result.machine.cpus >= 1 and result.machine.hostname
    settings = {
        (g.setting.strategy, g.setting.engine, g.setting.threads, g.setting.work) for g in result.groups
    }
    assert ("atomic", "python", 2, 0) in settings and ("plain_node_lock", "native", 1, 50) in settings
    throughput_and_drift = next(g for g in result.groups if g.setting == Setting("atomic", "native", 1, 0))
    assert throughput_and_drift.runs == 4  # 2 timed runs from each of the two benchmarks of that setting
    assert all(g.drift.tolist() == [0] * g.runs for g in result.groups if g.exact)


def test_report_puts_two_files_side_by_side_and_plots_them(
    capsys: pytest.CaptureFixture[str], sweep_json: Path, benchmark_json: Path, tmp_path: Path
) -> None:
    capsys.readouterr()
    plot = tmp_path / "both.png"
    done = run_main(capsys, "report", str(sweep_json), str(benchmark_json), "--plot", str(plot))
    assert done.code == 0, done.err
    header = next(line for line in done.out.splitlines() if line.startswith("strategy"))
    columns = ["Mops/s", "[{}]", "|drift|", "[{}]", "(runs)"]
    per_file = [column.format(index) for index in (1, 2) for column in columns]
    assert header.split() == ["strategy", "engine", "work", "threads", *per_file]
    python_row = next(
        line for line in done.out.splitlines() if line.startswith("atomic") and " python " in line
    )
    assert python_row.split()[4:6] == ["-", "-"]  # the sweep ran only the native engine
    assert plot.read_bytes()[:8] == PNG_MAGIC


def with_foreign_benchmarks(benchmark_json: Path, tmp_path: Path, *names: str) -> Path:
    """A copy of `benchmark_json` with benchmarks of another suite (no pysgxalloc figures) added."""
    data: dict[str, Any] = json.loads(benchmark_json.read_text())
    data["benchmarks"] += [{"name": name, "extra_info": {"seconds": 1.0}} for name in names]
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(data))
    return mixed


def test_report_notes_benchmarks_it_cannot_read(
    capsys: pytest.CaptureFixture[str], benchmark_json: Path, tmp_path: Path
) -> None:
    mixed = with_foreign_benchmarks(benchmark_json, tmp_path, "test_reclaim_latency")
    done = run_main(capsys, "report", str(mixed))
    assert done.code == 0, done.err
    assert "note: skipped 1 benchmarks without pysgxalloc figures (test_reclaim_latency)" in done.out


def test_the_skip_note_names_each_test_once_with_its_count(
    capsys: pytest.CaptureFixture[str], benchmark_json: Path, tmp_path: Path
) -> None:
    foreign = [f"test_other[{case}]" for case in ("a", "b", "c")]
    mixed = with_foreign_benchmarks(benchmark_json, tmp_path, *foreign, "test_lone")
    done = run_main(capsys, "report", str(mixed))
    assert done.code == 0, done.err
    assert "note: skipped 4 benchmarks without pysgxalloc figures (test_other x3, test_lone)" in done.out


def test_report_shows_the_read_cost_and_reclaim_benchmarks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "other.json"
    done_bench = subprocess.run(
        [sys.executable, "-m", "pytest", "bench/test_read_cost.py", "bench/test_reclaim_benchmark.py", "-q",
         "-p", "no:cacheprovider", "--threads", "2", "--strategies", "plain_node_lock,atomic",
         "--ops", "2000", "--runs", "1", f"--benchmark-json={out}"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done_bench.returncode == 0, done_bench.stdout + done_bench.stderr
    done = run_main(capsys, "report", str(out))
    assert done.code == 0, done.err
    assert "skipped" not in done.out
    rows = [line.split() for line in done.out.splitlines()]
    read_rows = [row[:3] for row in rows if len(row) == 5 and row[1] in ("cheap", "exact")]
    assert read_rows == [
        ["plain_node_lock", "cheap", "2"],
        ["plain_node_lock", "exact", "2"],
        ["atomic", "cheap", "2"],
        ["atomic", "exact", "2"],
    ]
    reclaim_rows = [row for row in rows if row[:2] == ["atomic", "2"] and row[-1] == "(1)"]
    assert len(reclaim_rows) == 1  # the exact strategy only: plain_node_lock hangs by design


def test_read_cost_benchmarks_saved_before_they_named_their_setting_are_read_too(tmp_path: Path) -> None:
    old = {
        "name": "test_read_cost[atomic-exact]",
        "params": {"strategy": "atomic", "exact_read": True},
        "extra_info": {
            "writers": 1,
            "oversubscribed": False,
            "ns_per_read_median": 1.5,
            "writer_mops_median": 20,
        },
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": [old, "not a benchmark"]}))
    (row,) = read_result_file(path).read_costs
    assert (row.strategy, row.read, row.threads, row.ns_per_read, row.writer_mops) == (
        "atomic",
        "exact",
        2,
        1.5,
        20,
    )


def test_report_reads_the_sweeps_own_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from pysgxalloc.__main__ import main

    csv_path, json_path = tmp_path / "laptop.csv", tmp_path / "laptop.json"
    main(["sweep", "--strategies", "atomic", "--threads", "1,2", "--repeats", "2", "--ops", "2000",
          "--csv", str(csv_path), "--json", str(json_path)])  # fmt: skip
    capsys.readouterr()
    from_csv, from_json = read_result_file(csv_path), read_result_file(json_path)
    assert [g.setting for g in from_csv.groups] == [g.setting for g in from_json.groups]
    assert [g.mops_median for g in from_csv.groups] == pytest.approx(
        [g.mops_median for g in from_json.groups]
    )
    done = run_main(capsys, "report", str(csv_path))
    assert done.code == 0, done.err
    assert "(sweep CSV)" in done.out


def test_report_notes_an_interrupted_sweep(
    capsys: pytest.CaptureFixture[str], sweep_json: Path, tmp_path: Path
) -> None:
    data: dict[str, Any] = json.loads(sweep_json.read_text())
    data["complete"] = False
    data["measurements"] = data["measurements"][:3]
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(data))
    done = run_main(capsys, "report", str(cut))
    assert done.code == 0, done.err
    assert "note: interrupted sweep: 3 of 8 runs" in done.out


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (None, 2, "cannot read"),
        ("{not json", 2, "is not JSON"),
        ('{"hello": 1}', 2, "is neither a pysgxalloc sweep (--json) nor pytest-benchmark JSON"),
        ('{"schema": "pysgxalloc.sweep", "version": 99}', 2, "version 99 is from a newer pysgxalloc"),
        # readable, but nothing in it to report
        ('{"machine_info": {}, "benchmarks": []}', 1, "none of the files holds pysgxalloc results"),
    ],
)
def test_report_refuses_files_it_cannot_read_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, code: int, message: str
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content)
    done = run_main(capsys, "report", str(path))
    assert done.code == code
    assert message in done.err and "Traceback" not in done.err
