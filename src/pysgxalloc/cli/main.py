"""The ``pysgxalloc`` command (also python -m pysgxalloc): the demo, or one of the commands in commands/.

Exit codes: 0 done, 1 failed, 2 bad arguments (a one-line message on stderr, no traceback),
130 stopped by Ctrl-C (what was measured is kept and printed), 141 the reader of stdout went
away (``pysgxalloc explore | head``: the rest of the output is dropped, without a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
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
        # Point stdout at /dev/null, or the interpreter's own flush at exit fails on the
        # closed pipe again and prints the traceback this is here to spare the user.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code
