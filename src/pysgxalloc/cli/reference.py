"""The command-line reference, generated from the argument parsers themselves (the docs' cli.md).

`markdown()` walks the parser `pysgxalloc` builds (main.build_parser) and every command's
parser under it, and writes each one's usage, description and options as Markdown. The
docs build calls it (docs/_hooks/cli_reference.py), so the page cannot disagree with
``--help``; `options` is what tests/test_docs_cli_reference.py checks the page against.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator


def commands(parser: argparse.ArgumentParser | None = None) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(name as typed, parser): ``pysgxalloc`` itself, then each command in the order --help lists them."""
    if parser is None:
        from pysgxalloc.cli.main import build_parser  # here: main imports every command

        parser = build_parser()
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub.prog, sub


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every option and positional argument a user can give `parser`, --help and commands aside."""
    return [
        action
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
        and action.help is not argparse.SUPPRESS
    ]


def markdown() -> str:
    """The whole reference: one section per command, each with its usage and a table of its options."""
    sections = [_section(name, parser) for name, parser in commands()]
    return "\n\n".join(sections) + "\n"


def _section(name: str, parser: argparse.ArgumentParser) -> str:
    usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
    lines = [f"## `{name}`", "", f"`{usage}`", ""]
    if parser.description:
        lines += [_paragraphs(parser.description), ""]
    rows = [_row(parser, action) for action in options(parser)]
    lines += ["| option | value | what it does |", "|---|---|---|", *rows]
    if parser.epilog:
        lines += ["", _paragraphs(parser.epilog)]
    return "\n".join(lines)


def _row(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    names = ", ".join(f"`{flag}`" for flag in action.option_strings) or f"`{action.metavar or action.dest}`"
    return f"| {names} | {_value(action)} | {_cell(_help(parser, action))} |"


def _value(action: argparse.Action) -> str:
    """What the option takes: its metavar, its choices, or nothing for a flag."""
    if action.nargs == 0:
        return ""
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return " \\| ".join(f"`{choice}`" for choice in action.choices)
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return f"`{metavar}`" + (" ..." if action.nargs in ("+", "*") else "")


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The help text as --help prints it, with its %(default)s and the like filled in."""
    formatter = parser._get_formatter()
    return formatter._expand_help(action) if action.help else ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _paragraphs(text: str) -> str:
    """A description or epilog: examples (indented lines) as inline code, the rest as prose."""
    out: list[str] = []
    for line in text.strip().splitlines():
        stripped = line.strip()
        if line.startswith("  ") and stripped:
            if out and not out[-1].startswith("- "):
                out.append("")  # a list needs a blank line before it
            out.append(f"- `{stripped}`")
        else:
            out.append(stripped)
    return "\n".join(out)
