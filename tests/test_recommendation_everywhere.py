"""The demo's last lines, `pysgxalloc costs` and the docs' "Choosing a counter" page give one recommendation.

All three call the same function (pysgxalloc.recommend) on the same kind of measurement
(strategy_costs.measure_once). Given the same machine, here a stand-in measurement with fixed
figures, they must name the same strategy.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from cli_helpers import run_main
from docs_blocks import ROOT, blocks
from rich.console import Console

import pysgxalloc as sgx
from pysgxalloc import Strategy, analysis, strategy_costs
from pysgxalloc.cli.commands import costs as costs_command
from pysgxalloc.cli.commands import demo
from pysgxalloc.strategy_costs import CostSetup, StrategyCosts

#: One machine's figures, per strategy: update ns, cheap read ns, exact read ns.
MACHINE = {
    Strategy.plain_node_lock: (30.0, 1.0, 1.0),
    Strategy.plain_unlocked: (28.0, 1.0, 1.0),
    Strategy.plain_global_lock: (150.0, 2.0, 50.0),
    Strategy.atomic: (100.0, 2.0, 2.0),
    Strategy.atomic_in_lock: (95.0, 2.0, 2.0),
    Strategy.per_node: (45.0, 6.0, 8.0),
    Strategy.percpu_batch: (40.0, 1.0, 50.0),
    Strategy.striped: (80.0, 7.0, 9.0),
}
CHOOSING = ROOT / "docs" / "choosing.md"


def measured_here(costs: StrategyCosts, setup: CostSetup, ablation: bool = True) -> None:
    """measure_once's stand-in: this machine's figures, the same every run."""
    update, cheap, exact = MACHINE[costs.strategy]
    costs.update_ns.append(update)
    costs.cheap_read_ns.append(cheap)
    costs.exact_read_ns.append(exact)
    costs.writer_mops.append(1.0)
    if ablation and costs.strategy in strategy_costs.ABLATION:
        costs.packed_update_ns.append(update)


@pytest.fixture(autouse=True)
def this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (strategy_costs, demo, costs_command):
        monkeypatch.setattr(module, "measure_once", measured_here)


def recommended(printed: str) -> str:
    """The strategy a recommendation names: the end of its first line."""
    line = next(line for line in printed.splitlines() if line.startswith("recommendation for"))
    return line.rsplit(": ", 1)[1].strip()


def demo_recommends() -> str:
    console = Console(file=io.StringIO(), width=200)
    options = demo.DemoOptions(sgx.HammerSettings(threads=2), repeats=2)
    demo.recommendation_section(console, options)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return recommended(out)


def costs_command_recommends(capsys: pytest.CaptureFixture[str]) -> str:
    done = run_main(capsys, "costs", "--repeats", "2", "--ops", "2000", "--rounds", "1")
    assert done.code == 0, done.err
    return recommended(done.out)


def docs_page_recommends(page: Path) -> str:
    (block,) = [b for b in blocks(page) if b.language == "python" and "analysis.recommend(" in b.text]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.text, str(block), "exec"), {"__name__": "__docs__"})
    return recommended(printed.getvalue())


def test_the_demo_the_costs_command_and_the_docs_page_name_the_same_strategy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    named = {demo_recommends(), costs_command_recommends(capsys), docs_page_recommends(CHOOSING)}
    assert named == {"per_node"}  # 45 + 0.5 x 6: the cheapest exact design here


def test_they_call_one_function() -> None:
    assert vars(demo)["recommend"] is vars(costs_command)["recommend"] is analysis.recommend
    (block,) = [b for b in blocks(CHOOSING) if b.language == "python" and "recommend(" in b.text]
    assert "analysis.recommend(" in block.text and "analysis.SGX_FAULT_PATH" in block.text
    assert "SGX_FAULT_PATH" in Path(demo.__file__).read_text()
