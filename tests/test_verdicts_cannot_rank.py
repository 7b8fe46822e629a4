"""A verdict ranks only what the runs can tell apart; on one or two runs no interval is called 95%."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_main

from pysgxalloc.cli.commands import demo
from pysgxalloc.cli.verdicts import machine_verdict
from pysgxalloc.hammer_runs import HammerRuns, Setting
from pysgxalloc.machine import usable_cpus


def runs(strategy: str, mops: list[float], threads: int = 2, cpus: int = 2, **extra: object) -> HammerRuns:
    return HammerRuns(
        setting=Setting(strategy, "native", threads=threads, work=0),
        cpus=cpus,
        exact=True,
        ops_per_sec=np.array(mops, dtype=np.float64) * 1e6,
        drift=np.zeros(len(mops), dtype=np.int64),
        **extra,  # type: ignore[arg-type]
    )


def ranking(groups: list[HammerRuns]) -> str:
    return machine_verdict(groups).splitlines()[0]


def test_a_ratio_whose_interval_includes_one_cannot_be_ranked() -> None:
    # 7 runs each (a 95% ratio interval), per_node's median higher but the spreads overlap
    line = ranking(
        [
            runs("atomic", [10, 20, 30, 12, 25, 18, 22]),
            runs("per_node", [11, 21, 31, 13, 26, 19, 23]),
        ]
    )
    assert "cannot rank per_node against atomic on this run" in line
    assert "the ratio's interval [95% CI" in line and "includes 1" in line
    assert "Run instead: 14 or more runs of each (--repeats 14)" in line
    assert "fastest" not in line


def test_runs_whose_threads_mostly_did_not_run_at_once_cannot_be_ranked() -> None:
    # far apart, but only 4 of the 14 runs had every thread running >= 90% of the wall time
    apart = {"pinned": True}
    line = ranking(
        [
            runs(
                "atomic", [10] * 7, running_fraction=np.array([0.95, 0.95, 0.3, 0.3, 0.3, 0.3, 0.3]), **apart
            ),
            runs(
                "per_node",
                [30] * 7,
                running_fraction=np.array([0.95, 0.95, 0.3, 0.3, 0.3, 0.3, 0.3]),
                **apart,
            ),
        ]
    )
    assert "cannot rank per_node against atomic on this run" in line
    assert "only 4 of their 14 runs had every thread running at once" in line
    assert "Run instead: a quieter machine" in line


def test_oversubscribed_runs_cannot_be_ranked() -> None:
    line = ranking([runs("atomic", [10] * 7, threads=8), runs("per_node", [30] * 7, threads=8)])
    assert "cannot rank" in line and "8 threads outnumber the 2 usable CPUs" in line
    assert "--threads 2" in line


def test_one_run_of_each_gives_no_interval_and_no_ranking() -> None:
    line = ranking([runs("atomic", [10]), runs("per_node", [30])])
    assert "1 run of each gives the ratio no interval" in line
    assert "95%" not in line.split("Run instead")[0]


def test_runs_that_can_be_told_apart_are_ranked_and_labelled_a_throughput_ranking() -> None:
    line = ranking(
        [runs("atomic", [10, 11, 12, 10, 11, 12, 11]), runs("per_node", [30, 33, 36, 30, 33, 36, 33])]
    )
    assert line.startswith("throughput ranking at 2 threads")
    assert "update throughput alone, not a recommendation" in line
    assert "fastest exact strategy per_node" in line and "[95% CI 2.50, 3.60]" in line


@pytest.fixture
def hammer_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "EXTRA_SECTIONS", [])


@pytest.mark.usefixtures("hammer_only")
def test_a_demo_whose_threads_outnumber_the_cpus_cannot_rank(capsys: pytest.CaptureFixture[str]) -> None:
    # 4 threads a CPU: CPU time cannot exceed the CPUs' share of the wall time, so no run has
    # every thread running >= 90% of it, whatever the scheduler does
    threads = 4 * usable_cpus()
    done = run_main(capsys, "--threads", str(threads), "--ops", "2000", "--repeats", "2")
    assert done.code == 0, done.err
    line = next(line for line in done.out.splitlines() if line.startswith("throughput ranking"))
    assert "cannot rank" in line
    assert f"{threads} threads outnumber the {usable_cpus()} usable CPUs" in line
    assert "had every thread running at once" in line


@pytest.mark.parametrize("repeats", ["1", "2"])
def test_one_or_two_demo_runs_label_no_interval_95_percent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, repeats: str
) -> None:
    monkeypatch.setattr(demo, "EXTRA_SECTIONS", [demo.recommendation_section])
    done = run_main(capsys, "--threads", "2", "--ops", "2000", "--repeats", repeats)
    assert done.code == 0, done.err
    assert "95% CI" not in done.out
    assert "a 95% interval needs 6 runs" in done.out  # and it says how many would give one


def test_a_two_run_sweep_writes_no_ci95_and_its_report_labels_none_95_percent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "s.json"
    args = ["--strategies", "atomic,per_node", "--threads", "2", "--ops", "2000", "--repeats", "2"]
    done = run_main(capsys, "sweep", *args, "--json", str(path))
    assert done.code == 0, done.err
    assert "95% CI" not in done.out
    for entry in json.loads(path.read_text())["summary"]:
        assert not [key for key in entry if key.endswith("_ci95")], entry
        assert entry["mops_median_interval"]["coverage"] == 0.5
    reported = run_main(capsys, "report", str(path))
    assert reported.code == 0, reported.err
    assert "95% CI" not in reported.out and "cannot rank" in reported.out
