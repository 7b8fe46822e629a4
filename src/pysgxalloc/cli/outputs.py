"""A command's output files: checked before the first run, written after the last without losing any.

A run may last hours; an output path it cannot write must stop it before the first run,
not after the last (when a traceback would take every measurement with it). So every
command that writes files calls ``check_outputs`` before it measures: it refuses one path
named for two outputs, and prepares each through pysgxalloc.output_path (a folder tried,
a FIFO or a device opened, a socket or a directory refused) with a one-line error, exit 2.
``write_outputs`` then writes each file on its own, so one that fails at the end (a full
disk, /dev/full, a reader that went away) costs only itself, and returns one line per
failure, saying what was kept, for the caller to print after its table (exit 1).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pysgxalloc.cli.arguments import CommandError
from pysgxalloc.output_path import Output, OutputPathError, Writer, prepare_output

#: What a command returns when it measured but could not write every output.
EXIT_WRITE_FAILED = 1


def check_outputs(outputs: Mapping[str, Path | None]) -> dict[str, Output]:
    """Every given output (option -> path) prepared for writing; CommandError (exit 2) unless each
    has a path of its own that can be written."""
    given = {option: path for option, path in outputs.items() if path is not None}
    seen: dict[str, str] = {}
    for option, path in given.items():
        resolved = os.path.realpath(path)
        if resolved in seen:
            raise CommandError(
                f"{seen[resolved]} and {option} name the same file {str(path)!r}; give each its own"
            )
        seen[resolved] = option
    prepared: dict[str, Output] = {}
    try:
        for option, path in given.items():
            try:
                prepared[option] = prepare_output(path)
            except OutputPathError as error:
                raise CommandError(f"{option} {str(path)!r} cannot be written: it {error}") from None
            except OSError as error:
                reason = error.strerror or str(error)
                raise CommandError(f"{option} {str(path)!r} cannot be written: {reason}") from None
    except CommandError:
        for output in prepared.values():
            output.close()
        raise
    return prepared


def write_outputs(writers: Sequence[tuple[Output, Writer]]) -> tuple[list[Path], list[str]]:
    """Write each output; the paths written, and one line for each that failed saying what was kept."""
    written: list[Path] = []
    failures: list[str] = []
    for output, write in writers:
        try:
            output.write(write)
        except OSError as error:
            failures.append(f"could not write {output.path}: {error.strerror or error}; {_kept(output)}")
        else:
            written.append(output.path)
    return written, failures


def _kept(output: Output) -> str:
    """What a failed write left: an atomic one left the old file as it was, or none at all."""
    if output.kind == "file":
        return "its old contents are kept"
    if output.kind == "new file":
        return "nothing was written there"
    return f"the {output.kind} may hold part of it"
