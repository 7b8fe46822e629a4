"""The ``pysgxalloc`` command (also python -m pysgxalloc): the demo, or one of the commands in commands/.

Exit codes: 0 done, 1 failed, 2 bad arguments (a one-line message on stderr, no traceback),
130 stopped by Ctrl-C (what was measured is kept and printed), 141 the reader of stdout went
away (``pysgxalloc explore | head``: the rest of the output is dropped, without a traceback).

The standard streams may be hostile too: a closed stdout or stderr (``>&-``, ``2>&-``) becomes
/dev/null (a command that writes files still writes them; a closed stdout is said on stderr);
a stdout that fails (``> /dev/full``) ends in one line on stderr and exit 1; a stream that
cannot encode a character (``PYTHONIOENCODING=ascii``) shows it as a backslash escape.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from pysgxalloc._version import installed_version
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, CommandError, Parser, error_line
from pysgxalloc.cli.commands import build, check, costs, demo, explore, lockup, reclaim, report, sweep
from pysgxalloc.cli.loading import add_load_option, add_location_options, load_from_command_line
from pysgxalloc.cli.plots import PlotUnavailableError

#: 128 + SIGPIPE: what a shell reports for a command stopped by a closed pipe.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pysgxalloc",
        description=demo.DESCRIPTION + " With no command, runs the demo with the options below.",
        epilog="Run 'pysgxalloc COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    add_location_options(parser)
    add_load_option(parser)
    demo.add_options(parser)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    demo.register(commands)
    sweep.register(commands)
    report.register(commands)
    reclaim.register(commands)
    lockup.register(commands)
    costs.register(commands)
    explore.register(commands)
    build.register(commands)
    check.register(commands)
    for name, command in commands.choices.items():
        if name not in ("build", "check"):  # those take the header itself
            add_load_option(command)
    parser.set_defaults(run=demo.run)
    return parser


def command_parser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The parser of `command` (None: `parser` itself, the demo's with no command)."""
    if command is not None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found: argparse.ArgumentParser = action.choices[command]
                return found
    return parser


class StdoutError(OSError):
    """Writing to stdout failed (a full disk, /dev/full, an I/O error): not the command's own files."""


class _GuardedStdout:
    """The real stdout, whose write failures are told apart from those of a command's own files."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_streams() -> None:
    """Closed streams become /dev/null; unencodable characters are escaped; stdout is guarded."""
    closed_stdout = sys.stdout is None
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            # Open for as long as the process runs: no context manager.
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115
        stream = getattr(sys, name)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if closed_stdout:
        print("pysgxalloc: note: stdout is closed; only the files asked for are written", file=sys.stderr)
    if sys.stdout is sys.__stdout__ or closed_stdout:  # not under a test's capture
        sys.stdout = _GuardedStdout(sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    _guard_streams()
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        # Before the parser reads a strategy's name: a loaded one is then as good as a built-in.
        load_from_command_line(arguments)
    except CommandError as error:
        print(error_line("pysgxalloc", str(error), error.exit_code), file=sys.stderr)
        for line in error.details:
            print(f"  {line}", file=sys.stderr)
        return error.exit_code
    parser = build_parser()
    args, unknown = parser.parse_known_args(arguments)
    # Reported by the command's own parser, so the message names the help that lists its options.
    command = command_parser(parser, args.command)
    if unknown:
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command not in (None, "demo") and (misplaced := demo.options_given(args)):
        parser.error(
            f"{', '.join(misplaced)} before '{args.command}' belong to the demo; "
            f"put {args.command}'s options after '{args.command}'"
        )
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
    except CommandError as error:
        print(error_line(command.prog, str(error), error.exit_code), file=sys.stderr)
        for line in error.details:
            print(f"  {line}", file=sys.stderr)
        return error.exit_code
    except PlotUnavailableError as error:
        print(error_line(command.prog, str(error), 1), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pysgxalloc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except StdoutError as error:
        _drop_stdout()
        reason = error.strerror or errno.errorcode.get(error.errno or 0, "error")
        print(error_line(command.prog, f"cannot write to stdout: {reason}", 1), file=sys.stderr)
        return 1
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, or the interpreter's own flush at exit fails on it again and
    prints the traceback this is here to spare the user."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
