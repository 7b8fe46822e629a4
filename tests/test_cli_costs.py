"""pysgxalloc costs: the "where each strategy wins" table, measured by the installed package itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_main

import pysgxalloc as sgx
from pysgxalloc.cli.commands import costs as costs_command
from pysgxalloc.cli.commands.costs import cost_setup
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy_costs import ABLATION, CostSetup, measure_costs

TINY = ["--ops", "2000", "--repeats", "1", "--rounds", "1", "--threads", "1", "--writers", "0"]


def test_costs_prints_every_strategy_and_the_padding_ablation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "costs.json"
    done = run_main(capsys, "costs", *TINY, "--json", str(out))
    assert done.code == 0, done.err
    first_words = [line.split()[0] for line in done.out.splitlines() if line.strip()]
    for strategy in sgx.STRATEGIES:
        assert strategy.name in first_words
    assert "padding ablation" in done.out
    assert set(json.loads(out.read_text())["strategies"]) == {s.name for s in sgx.STRATEGIES}


def test_measure_costs_returns_one_sample_per_repeat_and_the_bounds() -> None:
    setup = CostSetup(threads=1, writers=0, ops=2000, rounds=1)
    costs = {one.strategy: one for one in measure_costs(setup, repeats=2)}
    assert list(costs) == list(sgx.STRATEGIES)
    for strategy, one in costs.items():
        assert len(one.update_ns) == len(one.cheap_read_ns) == len(one.exact_read_ns) == 2
        assert len(one.packed_update_ns) == (2 if strategy in ABLATION else 0)
        assert (one.error_bound is None) == (sgx.accuracy(strategy) is sgx.Accuracy.drifts)
        assert one.bytes_padded >= one.bytes_packed > 0


def test_a_bad_costs_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "costs", "--repeats", "0")
    assert done.code == 2
    assert "must be at least 1, got 0" in done.err


def test_costs_pins_by_default_where_no_run_has_more_threads_than_cpus() -> None:
    cpus = usable_cpus()
    assert cost_setup({"threads": 1, "writers": 0}).pin
    assert not cost_setup({"threads": cpus + 1, "writers": 0}).pin  # the update runs do not fit
    assert not cost_setup({"threads": 1, "writers": cpus}).pin  # the writers and the reader do not


def test_pin_and_no_pin_override_the_costs_default() -> None:
    assert not cost_setup({"threads": 1, "writers": 0, "pin": False}).pin
    assert cost_setup({"threads": usable_cpus() + 1, "pin": True}).pin


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "; pinned; "),
        (["--no-pin"], "; unpinned; "),
        (["--threads", str(usable_cpus() + 1)], "; unpinned (threads outnumber the usable CPUs); "),
        (["--threads", str(usable_cpus() + 1), "--pin"], "; pinned; "),
    ],
)
def test_costs_says_whether_it_pinned(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    monkeypatch.setattr(costs_command, "measure_once", lambda *arguments, **options: None)  # the line alone
    done = run_main(capsys, "costs", "--threads", "1", "--writers", "0", "--repeats", "1", *args)
    assert done.code == 0, done.err
    assert said in done.out.splitlines()[0]
