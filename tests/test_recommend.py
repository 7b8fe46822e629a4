"""The recommendation weighs update and read cost together, over the strategies a workload can use."""

from __future__ import annotations

import pytest

from pysgxalloc import Strategy, analysis
from pysgxalloc.strategy_costs import StrategyCosts


def costs(
    strategy: str, update: list[float], cheap: list[float], exact: list[float] | None = None
) -> StrategyCosts:
    return StrategyCosts(
        Strategy.__members__[strategy], update_ns=update, cheap_read_ns=cheap, exact_read_ns=exact or cheap
    )


MEASURED = [
    costs("plain_node_lock", [10.0] * 3, [1.0] * 3),  # cheapest of all, and it drifts
    costs("atomic", [90.0, 95.0, 100.0], [2.0] * 3),
    costs("per_node", [40.0, 45.0, 50.0], [6.0] * 3),
    costs("percpu_batch", [30.0, 31.0, 32.0], [1.0] * 3, exact=[200.0] * 3),
]


def test_a_strategy_that_drifts_is_never_recommended() -> None:
    rec = analysis.recommend(MEASURED)
    assert rec.strategy is Strategy.per_node
    assert (Strategy.plain_node_lock, "drifts") in rec.left_out


def test_exact_reads_cost_a_bounded_strategy_its_exact_read() -> None:
    # percpu_batch: 31 + 0.5 x 200 with exact reads; 31 + 0.5 x 1 where a bounded read will do
    assert analysis.recommend(MEASURED).strategy is Strategy.per_node
    assert (
        analysis.recommend(MEASURED, analysis.Workload(exact_reads=False)).strategy is Strategy.percpu_batch
    )


def test_many_reads_per_update_favour_the_cheapest_read() -> None:
    # per_node: 45 + 100 x 6 = 645; atomic: 95 + 100 x 2 = 295
    assert (
        analysis.recommend(MEASURED[:3], analysis.Workload(reads_per_update=100)).strategy is Strategy.atomic
    )


def test_per_node_needs_updates_that_already_hold_a_node_lock() -> None:
    rec = analysis.recommend(MEASURED[:3], analysis.Workload(node_lock_held=False))
    assert rec.strategy is Strategy.atomic
    assert (Strategy.per_node, "updates hold no node lock") in rec.left_out


def test_a_cheaper_strategy_the_runs_cannot_tell_apart_yields_to_the_simpler_one() -> None:
    overlapping = [
        costs("atomic", [40.0, 60.0, 80.0], [2.0] * 3),
        costs("striped", [35.0, 50.0, 70.0], [6.0] * 3),
    ]
    rec = analysis.recommend(overlapping)
    assert rec.strategy is Strategy.atomic and rec.tied_with is Strategy.striped
    assert "this run cannot tell them apart, and atomic is the simpler design" in rec.text()


def test_the_first_line_ends_with_the_strategy_and_labels_it_a_recommendation() -> None:
    first = analysis.recommend(MEASURED).text().splitlines()[0]
    assert first.startswith("recommendation for the SGX fault path (update and read cost together")
    assert first.endswith(": per_node")


def test_three_runs_give_no_interval_labelled_95_percent() -> None:
    text = analysis.recommend(MEASURED).text()
    assert "95% CI" not in text and "(75% coverage; a 95% interval needs 6 runs)" in text


def test_a_workload_refuses_a_negative_read_rate() -> None:
    with pytest.raises(ValueError, match="reads_per_update"):
        analysis.Workload(reads_per_update=-1)


def test_a_run_stopped_between_its_update_and_its_reads_counts_only_the_whole_runs() -> None:
    partial = costs("atomic", [90.0, 95.0], [2.0])
    (candidate,) = analysis.recommend([partial]).ranked
    assert candidate.per_update_ns == (91.0,)
