"""The command-line reference page is generated from the parsers, and names every option they have."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from pysgxalloc.cli.commands import lockup
from pysgxalloc.cli.main import build_parser
from pysgxalloc.cli.reference import markdown

ROOT = Path(__file__).resolve().parents[1]


def every_parser() -> list[argparse.ArgumentParser]:
    """The top-level parser and every command's, found here independently of the generator."""
    top = build_parser()
    found = [top]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += list(action.choices.values())
    return found


def test_every_command_has_a_section() -> None:
    page = markdown()
    for parser in every_parser():
        assert f"## `{parser.prog}`" in page, parser.prog


def test_every_option_of_every_command_is_on_the_page() -> None:
    page = markdown()
    for parser in every_parser():
        section = page.split(f"## `{parser.prog}`", 1)[1].split("\n## ", 1)[0]
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            names = action.option_strings or [str(action.metavar or action.dest)]
            for name in names:
                assert f"`{name}`" in section, f"{parser.prog} {name}"


def test_an_option_added_to_a_command_appears_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    original = lockup.register

    def with_one_more(subparsers: Any) -> None:
        original(subparsers)
        subparsers.choices["lockup"].add_argument("--brand-new-option", help="added by this test")

    monkeypatch.setattr(lockup, "register", with_one_more)
    assert "`--brand-new-option`" in markdown().split("## `pysgxalloc lockup`", 1)[1]


def test_the_docs_build_fills_the_page_from_the_generator() -> None:
    path = ROOT / "docs" / "_hooks" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference", path)
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = (ROOT / "docs" / "cli.md").read_text()
    assert hook.MARKER in page
    built = hook.on_page_markdown(page, None, None, None)
    assert hook.MARKER not in built and markdown() in built
