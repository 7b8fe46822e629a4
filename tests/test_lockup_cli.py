"""python -m pysgxalloc lockup end to end on a small machine, the demo's short form, and the
summaries behind the table. Rows whose outcome depends on scheduling (one fault worker per node
with the v5.13 search: the others' faults may wake the reclaimer in time) are only counted."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from cli_helpers import Outcome, run_main
from rich.console import Console

import pysgxalloc as sgx
from pysgxalloc.cli.commands import demo
from pysgxalloc.cli.commands.demo import DemoOptions
from pysgxalloc.hammer_settings import HammerSettings
from pysgxalloc.soft_lockup import lockup_machine, lockup_runs, summarize_lockups

SMALL = ["--pages-per-node", "128", "--enclave-pages", "1024"]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    return functools.partial(run_main, capsys)


def row(out: str, placement: str, search: str) -> list[str]:
    """The cells after the placement and search of the table row for them."""
    for line in out.splitlines():
        if line.strip().startswith(placement) and search in line:
            return line.split(search, 1)[1].split()
    raise AssertionError(f"no row for {placement}, {search} in:\n{out}")


def test_lockup_prints_the_machine_a_row_per_placement_and_search_and_a_verdict(
    run_cli: Callable[..., Outcome],
) -> None:
    done = run_cli("lockup", "--runs", "2", *SMALL)
    assert done.code == 0, done.err
    first = done.out.splitlines()[0]
    assert first.startswith(
        "pysgxalloc lockup: node 0 CPU-only, EPC on nodes 1 and 2 (pages per node [0, 128, 128])"
    )
    # runs, completed, soft lockup, other, lockup node
    assert row(done.out, "node 0 alone", "v5_13_until_caller") == ["2", "0", "2", "0", "0"]
    assert row(done.out, "node 0 alone", "fixed_2024") == ["2", "2", "0", "0", "-"]
    assert row(done.out, "3, one per node", "fixed_2024") == ["2", "2", "0", "0", "-"]
    assert row(done.out, "3, one per node", "v5_13_until_caller")[0] == "2"
    assert done.out.rstrip().endswith("Every page was accounted for in every run.")
    assert "BUG" not in done.out


def test_lockup_refuses_a_bad_run_count(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("lockup", "--runs", "0")
    assert done.code == 2
    assert "must be at least 1" in done.err


def test_the_lockup_machine_has_one_cpu_only_node_first() -> None:
    assert lockup_machine(64) == (0, 64, 64)


def test_lockup_runs_group_by_placement_and_search_in_order() -> None:
    results = list(
        lockup_runs(1, epc_pages_per_node=64, enclave_pages=512, placements=(1,), stall_seconds=30.0)
    )
    groups = summarize_lockups(results)
    assert [(g.threads, g.node_search) for g in groups] == [
        (1, sgx.NodeSearch.v5_13_until_caller),
        (1, sgx.NodeSearch.fixed_2024),
    ]
    assert (groups[0].soft_lockups, groups[0].lockup_nodes) == (1, (0,))
    assert (groups[1].completed, groups[1].lockup_nodes) == (1, ())
    assert all(g.pages_conserved for g in groups)


def test_the_demo_has_a_short_form_of_the_lockup(capsys: pytest.CaptureFixture[str]) -> None:
    out = Console(width=160, highlight=False)
    demo.lockup_section(out, DemoOptions(HammerSettings(), reclaim_runs=1))
    printed = capsys.readouterr().out
    assert printed.startswith("The second bug")
    assert row(printed, "node 0 alone", "v5_13_until_caller")[:3] == ["1", "0", "1"]
    assert row(printed, "node 0 alone", "fixed_2024")[:3] == ["1", "1", "0"]


def test_the_demo_leaves_the_lockup_out_with_no_reclaim_runs(capsys: pytest.CaptureFixture[str]) -> None:
    demo.lockup_section(Console(), DemoOptions(HammerSettings(), reclaim_runs=0))
    assert capsys.readouterr().out == ""


def test_reclaim_takes_per_node_counts_and_the_node_search(run_cli: Callable[..., Outcome]) -> None:
    alone_on_cpu_only_node = ["--threads", "1", "--pages-per-node", "0,128,128", "--enclave-pages", "1024"]
    search = ["--node-search", "v5_13_until_caller", "--stall-seconds", "30"]
    done = run_cli("reclaim", "--runs", "1", "--strategies", "atomic", *alone_on_cpu_only_node, *search)
    assert done.code == 0, done.err
    assert "EPC [0, 128, 128] pages" in done.out
    assert done.out.rstrip().endswith(
        "1 of 1 run ended in a soft lockup, not counted as hung above: a fault worker on CPU-only node 0 "
        "found every list empty with the v5.13 node search (see 'pysgxalloc lockup')."
    )


def test_reclaim_refuses_nodes_that_disagree_with_the_listed_counts(run_cli: Callable[..., Outcome]) -> None:
    done = run_cli("reclaim", "--runs", "1", "--nodes", "2", "--pages-per-node", "128,128,0")
    assert done.code == 2
    assert "argument --nodes: must equal the length of --pages-per-node (3)" in done.err
