"""Drift reported by magnitude: signed drifts that cancel must never read as "no drift"."""

from __future__ import annotations

import numpy as np

from pysgxalloc.cli.tables import STRATEGY_COLUMNS, abs_drift_with_interval, hammer_runs_table
from pysgxalloc.cli.verdicts import machine_verdict
from pysgxalloc.hammer_runs import HammerRuns, Setting


def runs(strategy: str, drift: list[int], mops: list[float] | None = None, **extra: object) -> HammerRuns:
    rates = mops or [1.0] * len(drift)
    return HammerRuns(
        setting=Setting(strategy, "native", threads=2, work=0),
        cpus=2,
        exact=strategy != "plain_node_lock",
        ops_per_sec=np.array(rates, dtype=np.float64) * 1e6,
        drift=np.array(drift, dtype=np.int64),
        **extra,  # type: ignore[arg-type]
    )


def test_the_drift_column_shows_the_magnitude_when_signed_drifts_cancel() -> None:
    # 4 of 5 runs drifted, but half too high and half too low: the signed median is 0
    cancelling = runs("plain_node_lock", [+500, -500, +300, -300, 0])
    assert cancelling.drift_median == 0
    assert abs_drift_with_interval(cancelling).splitlines()[0] == "300"
    row = next(line for line in _rendered(cancelling).splitlines() if line.startswith("plain_node_lock"))
    assert "300" in row and "500" in row and "4/5" in row


def test_the_verdict_compares_the_fastest_exact_strategy_with_atomic_and_a_95_percent_interval() -> None:
    # 7 runs of each: the fewest at which the ratio of two medians has a 95% interval
    groups = [
        runs("atomic", [0] * 7, [10, 11, 12, 10, 11, 12, 11]),
        runs("per_node", [0] * 7, [30, 33, 36, 30, 33, 36, 33]),
        runs("plain_node_lock", [5, -5, 0, 3, 0, 1, 0], [20] * 7),
    ]
    sentence = machine_verdict(groups)
    assert "throughput ranking at 2 threads" in sentence and "not a recommendation" in sentence
    assert "fastest exact strategy per_node" in sentence
    assert "3.00x atomic's [95% CI 2.50, 3.60]" in sentence
    assert "plain_node_lock drifted in 4 of 7 runs" in sentence


def test_the_verdict_gives_six_runs_a_ratio_with_its_real_coverage_not_95_percent() -> None:
    groups = [
        runs("atomic", [0] * 6, [10, 11, 12, 10, 11, 12]),
        runs("per_node", [0] * 6, [30, 33, 36, 30, 33, 36]),
    ]
    sentence = machine_verdict(groups)
    assert "3.00x atomic's [2.50, 3.60] (94% coverage; a 95% interval needs 7 runs)" in sentence
    assert "95% CI" not in sentence


def test_the_verdict_quotes_lost_updates_per_million_from_phased_runs() -> None:
    phased = runs(
        "plain_node_lock",
        [1, -2, 0],
        lost_per_million=np.array([100.0, 200.0, 0.0]),
        lost_decrements=np.array([1, 2, 0]),
        lost_increments=np.array([0, 4, 0]),
    )
    sentence = machine_verdict([runs("atomic", [0, 0, 0]), phased])
    # three runs: the range of the runs, which covers the median 75% of the time
    assert (
        "plain_node_lock lost 100 per million [0, 200] (75% coverage; a 95% interval needs 6 runs)"
        in sentence
    )
    assert "in 3 phased runs at 2 threads (pinning not recorded, no work between updates)" in sentence
    assert "some in 2 of 3 runs" in sentence


def _rendered(group: HammerRuns) -> str:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(hammer_runs_table([group], STRATEGY_COLUMNS))
    return console.export_text()


def test_a_drifting_strategy_that_did_not_drift_says_why() -> None:
    quiet = runs("plain_node_lock", [0, 0, 0], pinned=False, running_fraction=np.array([0.95, 0.4, 0.5]))
    assert quiet.why_no_drift() == "unpinned, threads truly overlapped in only 1 of 3 runs"
    assert runs("atomic", [0, 0]).why_no_drift() is None  # cannot drift: nothing to explain
    assert runs("plain_node_lock", [0, 4]).why_no_drift() is None  # it did drift
