"""The help texts read as a reference: one flag and one metavar for a setting in every command, no
internal names, counts with thousands separators, --no-pin wherever --pin is, and no stray %%."""

from __future__ import annotations

import argparse
import re

import pytest
from cli_helpers import run_main

from pysgxalloc.cli.main import build_parser
from pysgxalloc.cli.reference import commands, markdown, options
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.reclaim_settings import ReclaimSettings
from pysgxalloc.settings import settings_fields

#: The flags whose value differs in kind between commands, each for its reason: sweep's --threads
#: is a list of thread counts to sweep; explore and lockup take one page count, not one per node.
DIFFERENT_VALUES = {"--threads": {"N", "LIST"}, "--pages-per-node": {"N[,N...]", "N"}}


def parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    return list(commands(build_parser()))


def value_of(action: argparse.Action) -> str | None:
    """What an option takes as its help shows it: its metavar, or its choices; None for a flag."""
    if action.nargs == 0:
        return None
    if action.choices is not None:
        return "{" + ",".join(map(str, action.choices)) + "}"
    return str(action.metavar)


def test_an_option_takes_the_same_value_in_every_command_that_has_it() -> None:
    taken: dict[str, set[str]] = {}
    for _, parser in parsers():
        for action in options(parser):
            for flag in action.option_strings:
                if (value := value_of(action)) is not None:
                    taken.setdefault(flag, set()).add(value)
    differing = {flag: values for flag, values in taken.items() if len(values) > 1}
    assert differing == DIFFERENT_VALUES


def test_every_option_that_takes_a_value_names_it() -> None:
    # argparse's own metavar would be the destination in capitals: EPC_PAGES_PER_NODE, RUNS
    unnamed = [
        f"{prog} {action.option_strings}"
        for prog, parser in parsers()
        for action in options(parser)
        if action.nargs != 0 and action.metavar is None and action.choices is None
    ]
    assert unnamed == []


def test_lockup_and_reclaim_spell_the_options_they_share_alike() -> None:
    by_prog = dict(parsers())
    lockup, reclaim = by_prog["pysgxalloc lockup"], by_prog["pysgxalloc reclaim"]
    lockup_values = {flag: value_of(a) for a in options(lockup) for flag in a.option_strings}
    reclaim_values = {flag: value_of(a) for a in options(reclaim) for flag in a.option_strings}
    shared = set(lockup_values) & set(reclaim_values)
    assert {"--runs", "--enclave-pages", "--stall-seconds", "--pin", "--no-pin", "--pages-per-node"} <= shared
    assert {f for f in shared if lockup_values[f] != reclaim_values[f]} == {"--pages-per-node"}


@pytest.mark.parametrize(
    "words",
    [r"\bthe seed\b", r"seed report", r"\bthe issue\b", r"pysgxalloc\.[a-z_]", r"\b\w+\.py\b", "%%",
     r"result\.", r"Pool\.", "``"],
)  # fmt: skip
def test_no_help_text_names_the_code_or_its_history(words: str) -> None:
    assert re.findall(words, markdown()) == []


def test_help_names_other_settings_by_their_flags() -> None:
    # pages_per_node, plain_update: a user types --pages-per-node, --plain-update
    for prog, parser in parsers():
        text = parser.format_help()
        for action in options(parser):
            for flag in action.option_strings:
                name = flag.removeprefix("--no-").removeprefix("--").replace("-", "_")
                if "_" in name:
                    assert not re.search(rf"(?<![\w-]){name}(?![\w-])", text), f"{prog}: {name}"


def test_help_defaults_have_thousands_separators() -> None:
    page = markdown()
    assert "default: 2,000,000" in page  # the demo's --ops
    assert "default: 134,217,728" in page  # reclaim's --max-retries
    assert re.findall(r"default: \d{4,}", page) == []


def test_every_command_that_pins_can_be_told_either_way() -> None:
    pinning = []
    for prog, parser in parsers():
        flags = {flag for action in options(parser) for flag in action.option_strings}
        if flags & {"--pin", "--no-pin"}:
            pinning.append(prog.removeprefix("pysgxalloc").strip())
            assert {"--pin", "--no-pin"} <= flags, prog
    assert sorted(pinning) == ["", "costs", "demo", "lockup", "reclaim", "sweep"]


def test_a_setting_on_by_default_gets_both_forms() -> None:
    parser = argparse.ArgumentParser()
    SettingOptions.of(ReclaimSettings, only=("fault_leaves_young",)).add_to(parser)
    flags = [flag for action in parser._actions for flag in action.option_strings]
    assert {"--fault-leaves-young", "--no-fault-leaves-young"} <= set(flags)
    assert parser.parse_args(["--no-fault-leaves-young"]).fault_leaves_young is False
    assert parser.parse_args([]).fault_leaves_young is None  # left out: the setting's default


def test_lockup_description_shows_a_single_percent(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "lockup", "--help")
    assert "node i % 3" in " ".join(done.out.split())
    assert "%%" not in done.out


def test_every_option_of_reclaims_settings_has_its_settings_flag_and_metavar() -> None:
    # one definition: the flag and the metavar come from the setting itself
    reclaim = dict(parsers())["pysgxalloc reclaim"]
    by_flag = {flag: action for action in options(reclaim) for flag in action.option_strings}
    for item in settings_fields(ReclaimSettings):
        if item.name == "preset":  # --seed picks it
            continue
        action = by_flag[item.flag]
        if item.metavar is not None and action.nargs != 0:
            assert action.metavar == item.metavar, item.name
