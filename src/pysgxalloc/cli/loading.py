"""The command line's user strategies: ``--load FILE`` (any command, repeatable), the headers in
$PYSGXALLOC_STRATEGIES and the entry points in ``pysgxalloc.strategies``, all loaded before the
arguments are parsed, so that their names work in ``--strategies`` and as a STRATEGY; and the
top-level ``--include-dir`` and ``--cmake-dir``, which print where the headers and the CMake
package are, as pybind11's do."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pysgxalloc.cli.arguments import CommandError
from pysgxalloc.errors import StrategyBuildError
from pysgxalloc.user_strategy import PATH_VARIABLE, get_cmake_dir, get_include, load_plugins, load_strategy

LOAD_HELP = (
    "build (or find cached) the strategy this C++ header declares and register it first, so its "
    f"name works in every option; repeatable (${PATH_VARIABLE} takes a path list too). "
    "Compiling a header runs its code"
)


def add_load_option(parser: argparse.ArgumentParser) -> None:
    """--load FILE on `parser`: read by `load_from_command_line` before parsing, kept here for help."""
    parser.add_argument("--load", action="append", metavar="FILE", default=[], help=LOAD_HELP)


def loaded_paths(argv: Sequence[str]) -> list[str]:
    """Every ``--load FILE`` / ``--load=FILE`` in `argv`, in order (before ``--``)."""
    paths: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            break
        if token == "--load":
            value = next(tokens, None)
            if value is None:
                raise CommandError("argument --load: expected one argument")
            paths.append(value)
        elif token.startswith("--load="):
            paths.append(token.removeprefix("--load="))
    return paths


def load_from_command_line(argv: Sequence[str]) -> None:
    """Load the environment's strategies, then every --load in `argv`; a CommandError (exit 2) for
    a header that does not build, a missing file or a taken name, the compiler's first messages
    as its details."""
    with loading_errors():
        load_plugins()
    for path in loaded_paths(argv):
        with loading_errors():
            load_strategy(path)


@contextmanager
def loading_errors() -> Iterator[None]:
    """A load's errors as the command line reports them: one line, exit 2, the compiler's first
    messages after it; never a traceback."""
    try:
        yield
    except StrategyBuildError as error:
        raise CommandError(error.summary, details=error.excerpt) from None
    except (ValueError, TypeError, OSError) as error:
        raise CommandError(str(error)) from None


class _PrintAndExit(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, text: Any, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)
        self._text = text

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(self._text())
        parser.exit()


def add_location_options(parser: argparse.ArgumentParser) -> None:
    """--include-dir and --cmake-dir: print where the headers / the CMake package are, and exit."""
    parser.add_argument(
        "--include-dir",
        action=_PrintAndExit,
        text=get_include,
        help="print the folder of the headers a strategy builds against, and exit",
    )
    parser.add_argument(
        "--cmake-dir",
        action=_PrintAndExit,
        text=get_cmake_dir,
        help="print the folder of pysgxalloc's CMake package (pysgxalloc_DIR), and exit",
    )
