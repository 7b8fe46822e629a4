"""pysgxalloc sweep: every setting measured, written as JSON, CSV and PNG; Ctrl-C keeps what was measured."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_main
from interrupted_child import default_sigint

from pysgxalloc.cli.commands import sweep
from pysgxalloc.cli.commands.sweep import default_thread_counts
from pysgxalloc.cli.plots import PlotUnavailableError
from pysgxalloc.sweep_record import SweepRecord

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: How long the long sweep may take to save its first measurement: the wait ends at that
#: measurement, so this only bounds a sweep that never saves one, whatever the machine's load.
FIRST_MEASUREMENT_S = 600
TINY = ["--strategies", "plain_node_lock,atomic", "--threads", "1,2", "--engines", "all", "--repeats", "2"]


def assert_is_a_png_matplotlib_can_read(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    from matplotlib.image import imread

    height, width, _ = imread(path).shape
    assert height > 100 and width > 100


def test_a_sweep_writes_every_measurement_as_json_csv_and_a_plot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    json_path, csv_path, png_path = tmp_path / "s.json", tmp_path / "s.csv", tmp_path / "s.png"
    done = run_main(
        capsys,
        "sweep",
        *TINY,
        "--ops",
        "2000",
        "--json",
        str(json_path),
        "--csv",
        str(csv_path),
        "--plot",
        str(png_path),
    )
    assert done.code == 0, done.err

    record = SweepRecord.load(json_path)
    assert record.complete
    assert len(record.measurements) == 2 * 2 * 2 * 2
    assert {(m.strategy, m.engine, m.threads) for m in record.measurements} == {
        (s, e, t) for s in ("plain_node_lock", "atomic") for e in ("native", "python") for t in (1, 2)
    }
    assert all(m.total_ops == 2000 * m.threads for m in record.measurements)
    assert record.machine.cpus >= 1 and record.machine.hostname == os.uname().nodename

    with csv_path.open() as rows:
        table = list(csv.DictReader(rows))
    assert len(table) == len(record.measurements)
    assert {"hostname", "cpus", "strategy", "engine", "threads", "ops_per_sec", "drift"} <= set(table[0])
    assert [float(row["ops_per_sec"]) for row in table] == [m.ops_per_sec for m in record.measurements]

    assert_is_a_png_matplotlib_can_read(png_path)
    for strategy in ("plain_node_lock", "atomic"):
        assert strategy in done.out
    assert done.out.splitlines()[-3:] == [f"wrote {json_path}", f"wrote {csv_path}", f"wrote {png_path}"]


def test_without_output_files_a_sweep_only_prints_its_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    done = run_main(
        capsys, "sweep", "--strategies", "per_node", "--threads", "1", "--repeats", "1", "--ops", "1000"
    )
    assert done.code == 0, done.err
    assert "per_node" in done.out and "wrote" not in done.out
    assert list(tmp_path.iterdir()) == []


def test_a_plot_without_matplotlib_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise PlotUnavailableError("plotting needs matplotlib: pip install matplotlib")

    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run started before the missing plot library was reported")

    monkeypatch.setattr(sweep, "require_matplotlib", missing)
    monkeypatch.setattr(sweep, "run_hammer", no_runs)
    done = run_main(capsys, "sweep", "--json", str(tmp_path / "s.json"), "--plot", str(tmp_path / "s.png"))
    assert done.code == 1
    assert "pip install" in done.err and "Traceback" not in done.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("cpus", "counts"), [(1, (1, 2)), (2, (1, 2)), (12, (1, 2, 4, 8, 12)), (16, (1, 2, 4, 8, 16))]
)
def test_default_thread_counts_double_up_to_every_cpu(cpus: int, counts: tuple[int, ...]) -> None:
    assert default_thread_counts(cpus) == counts


def test_ctrl_c_stops_a_long_sweep_keeps_what_it_measured_and_exits_130(tmp_path: Path) -> None:
    json_path = tmp_path / "long.json"
    # about 100,000 runs of a few milliseconds each, by both engines: minutes, unless interrupted
    command = [sys.executable, "-m", "pysgxalloc", "sweep", "--strategies", "atomic", "--threads", "2",
               "--engines", "all", "--repeats", "50000", "--ops", "200000",
               "--json", str(json_path)]  # fmt: skip
    sweep_process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint
    )
    try:
        deadline = time.monotonic() + FIRST_MEASUREMENT_S
        seen = 0
        while seen == 0 and time.monotonic() < deadline and sweep_process.poll() is None:
            time.sleep(0.1)
            if json_path.exists():  # written atomically, so always whole
                seen = len(json.loads(json_path.read_text())["measurements"])
        assert seen > 0, "the sweep never saved a measurement"
        sweep_process.send_signal(signal.SIGINT)
        out, err = sweep_process.communicate(timeout=60)
    finally:
        sweep_process.kill()
    assert sweep_process.returncode == 130, err
    assert "Traceback" not in err
    record = SweepRecord.load(json_path)
    assert not record.complete
    assert seen <= len(record.measurements) < 100_000
    assert f"interrupted after {len(record.measurements):,} of 100,000 runs" in err
    assert "interrupted" not in out  # stdout is the results alone


def test_the_strategies_preset_fills_what_the_command_line_leaves_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "preset.json"
    done = run_main(
        capsys, "sweep", "--preset", "strategies", "--threads", "1", "--ops", "2000", "--repeats", "1",
        "--json", str(out),
    )  # fmt: skip
    assert done.code == 0, done.err
    config = json.loads(out.read_text())["config"]
    assert (config["batch"], config["rounds"], config["pin"]) == (64, 10, True)  # from the preset
    assert config["repeats"] == 1  # given on the command line, so it wins
    assert len(config["strategies"]) == 8


def test_an_unknown_preset_exits_2_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "sweep", "--preset", "fastest")
    assert done.code == 2
    assert "invalid choice: 'fastest'" in done.err and "strategies" in done.err
