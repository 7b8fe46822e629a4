"""Argument types and errors of the commands and the bench scripts: bad values exit with code 2."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from pysgxalloc.cli.plots import PLOT_SUFFIXES
from pysgxalloc.hammer_settings import ENGINES, Engine, parse_engine
from pysgxalloc.strategy import STRATEGIES, parse_strategy

#: What a command returns when Ctrl-C stopped it (128 + SIGINT), as shells expect.
EXIT_INTERRUPTED = 130
#: Bad arguments, as argparse itself exits.
EXIT_USAGE = 2


class CommandError(Exception):
    """A problem the user can fix (a bad value found after parsing, an unreadable file); no traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        #: Lines printed after the error's one line: a compiler's first messages, say.
        self.details = details


def error_line(prog: str, message: str, exit_code: int = EXIT_USAGE) -> str:
    """The one line in which every command reports an error: ``PROG: error: MESSAGE``, and for a bad
    argument (exit code 2) where the usage is, `` (see 'PROG --help')``. A message about one argument
    starts ``argument --flag: ``, as argparse words its own (cli/flag_names.py words the core's so)."""
    hint = f" (see '{prog} --help')" if exit_code == EXIT_USAGE else ""
    return f"{prog}: error: {message}{hint}"


class Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line on stderr (exit code 2) instead of the
    usage block plus a line: the message names the argument and where the full usage is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, error_line(self.prog, message) + "\n")


def integer(text: str) -> int:
    """An argparse type: any integer (the callee checks its range). 2_000_000 is one; 2,000,000, as
    help writes a default, is not (a comma parts the items of a list), and the message says so."""
    try:
        return int(text.strip())
    except ValueError:
        hint = ""
        if _GROUPED.match(text):
            plain = text.strip().replace(",", "")
            hint = f" (without the commas: {plain}, or {_underscored(plain)})"
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer{hint}") from None


#: A number written with thousands separators, as help and tables print counts.
_GROUPED = re.compile(r"^\s*[-+]?\d{1,3}(,\d{3})+\s*$")


def _underscored(digits: str) -> str:
    """``2000000`` as ``2_000_000``."""
    sign, digits = (digits[0], digits[1:]) if digits[:1] in "+-" else ("", digits)
    return sign + f"{int(digits):_}"


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= `low`."""

    def parse(text: str) -> int:
        value = integer(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


positive_int = at_least(1)


def seconds(text: str) -> float:
    """An argparse type: a number of seconds (the callee checks its range)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None


def _items(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
    return items


def integer_list(low: int) -> Callable[[str], tuple[int, ...]]:
    """An argparse type: comma-separated integers >= `low`, e.g. 1,2,4,8."""
    item_type = at_least(low)

    def parse(text: str) -> tuple[int, ...]:
        values = tuple(item_type(item) for item in _items(text))
        return tuple(dict.fromkeys(values))  # duplicates once, order kept

    parse.__name__ = "integer list"
    return parse


thread_counts = integer_list(1)


def strategy_name(text: str) -> str:
    """An argparse type: one strategy's name (a mistyped one gets the closest names suggested)."""
    try:
        return parse_strategy(text.strip()).name
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error} (a strategy of your own: --load FILE.hpp)") from None


def strategy_names(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated strategy names, or "all"."""
    if text.strip() == "all":
        return tuple(s.name for s in STRATEGIES)
    return tuple(dict.fromkeys(strategy_name(item) for item in _items(text)))


def every_strategy() -> str:
    """The strategies' names as help lists them."""
    return ", ".join(s.name for s in STRATEGIES)


def add_strategies_option(parser: argparse.ArgumentParser) -> None:
    """--strategies LIST, as sweep and reclaim take it: comma-separated names, or all (the default)."""
    parser.add_argument(
        "--strategies",
        metavar="LIST",
        type=strategy_names,
        default=strategy_names("all"),
        help=f"comma-separated counter strategies, or all: {every_strategy()} (default: all)",
    )


def engine_names(text: str) -> tuple[Engine, ...]:
    """An argparse type: comma-separated engine names (native, python), or "all"."""
    if text.strip() == "all":
        return ENGINES
    try:
        return tuple(dict.fromkeys(parse_engine(item) for item in _items(text)))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def output_file(*suffixes: str) -> Callable[[str], Path]:
    """An argparse type: a file to write, in a directory that exists, with one of `suffixes` if given."""

    def parse(text: str) -> Path:
        path = Path(text)
        if suffixes and path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(suffixes)}")
        if not path.parent.is_dir():
            raise argparse.ArgumentTypeError(f"directory {str(path.parent)!r} does not exist")
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a directory")
        return path

    parse.__name__ = "file name"
    return parse


def add_plot_option(parser: argparse.ArgumentParser) -> None:
    """--plot FILE.png, as sweep and report both take it."""
    parser.add_argument(
        "--plot",
        type=output_file(*PLOT_SUFFIXES),
        metavar="FILE.png",
        help="draw throughput and drift against threads",
    )


def pages_per_node(text: str) -> int | tuple[int, ...]:
    """An argparse type: one page count for every node (4096), or one per node (4096,4096,0; 0: a
    CPU-only node). The callee checks the ranges."""
    if "," not in text:
        return at_least(1)(text)
    return tuple(integer(item) for item in _items(text))
