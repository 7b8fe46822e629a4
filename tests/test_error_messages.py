"""Every bad value is reported in one format, naming the flag the user typed, whether argparse, a
settings type or the core found it, with exit code 2; a mistyped strategy gets a "did you mean"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import run_main

import pysgxalloc as sgx
from pysgxalloc.cli.flag_names import flag_error, spelled_as_flags
from pysgxalloc.strategy import parse_strategy

CLI_PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
#: What the docs promise (docs/cli.md): one line, the command, the flag, where the help is.
FORMAT = re.compile(
    r"^(?P<prog>pysgxalloc(?: \w+)?): error: argument (?P<flag>\S+): .+ \(see '(?P=prog) --help'\)$"
)


@pytest.mark.parametrize(
    ("args", "prog", "flag"),
    [
        # found by argparse
        (["sweep", "--ops", "0"], "pysgxalloc sweep", "--ops"),
        (["reclaim", "--runs", "0"], "pysgxalloc reclaim", "--runs"),
        (["--threads", "x"], "pysgxalloc", "--threads"),
        # found by the core, for a value a flag gave
        (["--threads", "5000"], "pysgxalloc", "--threads"),
        (["demo", "--nodes", "2000"], "pysgxalloc demo", "--nodes"),
        (["sweep", "--threads", "1", "--batch", "99999999"], "pysgxalloc sweep", "--batch"),
        (["sweep", "--threads", "1,5000"], "pysgxalloc sweep", "--threads"),
        (["reclaim", "--runs", "1", "--low", "65", "--high", "64"], "pysgxalloc reclaim", "--low"),
        (["reclaim", "--runs", "1", "--stall-seconds", "0"], "pysgxalloc reclaim", "--stall-seconds"),
        (["reclaim", "--runs", "1", "--walk", "0.0001"], "pysgxalloc reclaim", "--walk"),
        (["reclaim", "--runs", "1", "--pages-per-node", "64,-1"], "pysgxalloc reclaim", "--pages-per-node"),
        (["lockup", "--runs", "1", "--enclave-pages", "9" * 12], "pysgxalloc lockup", "--enclave-pages"),
        (["explore", "atomic", "--hang", "--threads", "9"], "pysgxalloc explore", "--threads"),  # the core's
        (["explore", "atomic", "--time-limit", "0"], "pysgxalloc explore", "--time-limit"),
        (["costs", "--threads", "5000", "--repeats", "1"], "pysgxalloc costs", "--threads"),
        # found by a settings type
        (["sweep", "--nodes", "2", "--pages-per-node", "64,64,64"], "pysgxalloc sweep", "--nodes"),
        (["reclaim", "--runs", "1", "--seed", "--threads", "3"], "pysgxalloc reclaim", "--seed"),
    ],
)  # fmt: skip
def test_a_bad_value_names_its_flag_in_the_one_format(
    capsys: pytest.CaptureFixture[str], args: list[str], prog: str, flag: str
) -> None:
    done = run_main(capsys, *args)
    assert done.code == 2
    assert done.out == ""
    lines = done.err.splitlines()
    assert len(lines) == 1, done.err
    found = FORMAT.match(lines[0])
    assert found is not None, lines[0]
    assert (found["prog"], found["flag"]) == (prog, flag)


def test_the_core_s_names_for_other_settings_become_flags_too(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "reclaim", "--runs", "1", "--low", "65", "--high", "64")
    assert "argument --low: must not exceed --high, got --low 65, --high 64" in done.err


def test_an_item_of_a_list_is_counted_as_the_user_typed_it(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "reclaim", "--runs", "1", "--pages-per-node", "64,-1")
    assert "argument --pages-per-node: item 2 must be at least 0" in done.err


def test_an_unknown_option_is_reported_by_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "reclaim", "--runs", "1", "--bogus")
    assert done.code == 2
    assert done.err == (
        "pysgxalloc reclaim: error: unrecognized arguments: --bogus (see 'pysgxalloc reclaim --help')\n"
    )


def test_a_count_written_with_separators_is_refused_with_how_to_write_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    done = run_main(capsys, "sweep", "--ops", "2,000,000")
    assert done.code == 2
    assert (
        "argument --ops: '2,000,000' is not an integer (without the commas: 2000000, or 2_000_000)"
        in done.err
    )


def test_flag_error_rewords_a_message_about_a_setting() -> None:
    flags = {"low": "--low", "high": "--high", "pages_per_node": "--pages-per-node", "nodes": "--nodes"}
    assert flag_error("low must not exceed high, got low=65, high=64", flags) == (
        "argument --low: must not exceed --high, got --low 65, --high 64"
    )
    assert flag_error("nodes x pages_per_node must be at most 9 pages", flags) == (
        "argument --nodes x --pages-per-node: must be at most 9 pages"
    )
    assert flag_error("pages_per_node[0] must be at least 0", flags) == (
        "argument --pages-per-node: item 1 must be at least 0"
    )


def test_flag_error_leaves_a_message_about_no_option_of_the_command_as_it_is() -> None:
    assert flag_error("batch must be between 1 and 65536, got 0", {"ops": "--ops"}) == (
        "batch must be between 1 and 65536, got 0"
    )
    assert flag_error("the nodes' pages must total at most 9", {"nodes": "--nodes"}) == (
        "the nodes' pages must total at most 9"
    )


def test_help_spells_only_names_with_an_underscore_or_an_assignment_as_flags() -> None:
    flags = {"nodes": "--nodes", "pages_per_node": "--pages-per-node", "engine": "--engine"}
    assert spelled_as_flags("as many as pages_per_node lists, with engine=python, on nodes", flags) == (
        "as many as --pages-per-node lists, with --engine python, on nodes"
    )


@pytest.mark.parametrize(
    ("typed", "meant"), [("atomc", "atomic"), ("per-node", "per_node"), ("Striped", "striped")]
)
def test_a_mistyped_strategy_gets_the_closest_name(typed: str, meant: str) -> None:
    with pytest.raises(
        ValueError, match=rf"unknown strategy '{typed}'; choose one of: .*Did you mean '{meant}'\?"
    ):
        parse_strategy(typed)


def test_a_name_like_no_strategy_gets_no_suggestion() -> None:
    with pytest.raises(ValueError) as raised:
        parse_strategy("spinning_plates")
    assert "Did you mean" not in str(raised.value)


def test_every_public_function_suggests_through_parse_strategy() -> None:
    with pytest.raises(ValueError, match="Did you mean 'atomic'"):
        sgx.hammer("atomc", ops=10)
    with pytest.raises(ValueError, match="Did you mean 'per_node'"):
        sgx.EpcPool("pernode")


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["sweep", "--strategies", "atomic,per-node"], "--strategies"),
        (["reclaim", "--strategies", "atomc"], "--strategies"),
        (["explore", "atomc"], "STRATEGY"),
        (["lockup", "--strategy", "atomc"], "--strategy"),
    ],
)
def test_every_command_that_takes_a_strategy_suggests_the_closest(
    capsys: pytest.CaptureFixture[str], args: list[str], flag: str
) -> None:
    done = run_main(capsys, *args)
    assert done.code == 2
    assert f"error: argument {flag}: unknown strategy" in done.err
    assert "Did you mean 'atomic'?" in done.err or "Did you mean 'per_node'?" in done.err


def test_the_error_the_reference_page_shows_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = re.search(r"`(pysgxalloc [^`]+)` prints\n\n`([^`]+)`\n", CLI_PAGE.read_text())
    assert shown is not None, "docs/cli.md no longer shows an error"
    done = run_main(capsys, *shown[1].split()[1:])
    assert done.code == 2
    assert done.err == shown[2] + "\n"
    assert FORMAT.match(shown[2])
