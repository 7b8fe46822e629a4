"""A command's output files: checked before the first run, written after the last without losing any.

A sweep may run for hours; an output path it cannot write must stop it before the first
run, not after the last (when a traceback would take every measurement with it). So:
``check_outputs`` refuses one path named for two outputs and tries each folder (a
temporary file made and removed; root passes permission bits, so only trying tells) before
anything runs; ``write_outputs`` writes each file on its own, so one that fails at the end
(a full disk, a folder removed meanwhile) costs only itself, and returns one line per
failure for the caller to print after its table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from pysgxalloc.cli.arguments import CommandError

#: What a command returns when it measured but could not write every output.
EXIT_WRITE_FAILED = 1


def check_outputs(outputs: Mapping[str, Path | None]) -> None:
    """CommandError unless every given output (option -> path) has a path of its own that can be written."""
    given = {option: path for option, path in outputs.items() if path is not None}
    seen: dict[Path, str] = {}
    for option, path in given.items():
        resolved = path.resolve()
        if resolved in seen:
            raise CommandError(
                f"{seen[resolved]} and {option} name the same file {str(path)!r}; give each its own"
            )
        seen[resolved] = option
    for option, path in given.items():
        try:
            _try_writing(path)
        except OSError as error:
            reason = error.strerror or str(error)
            raise CommandError(f"{option} {str(path)!r} cannot be written: {reason}") from None


def _try_writing(path: Path) -> None:
    """Make and remove a file beside `path`; open `path` itself to append if it exists (truncating none)."""
    handle, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
    os.close(handle)
    os.unlink(probe)
    if path.exists():
        with path.open("ab"):
            pass


def write_outputs(writers: Mapping[Path, Callable[[Path], None]]) -> tuple[list[Path], list[str]]:
    """Call each writer on its path; the paths written, and one line for each that failed."""
    written: list[Path] = []
    failures: list[str] = []
    for path, write in writers.items():
        try:
            write(path)
        except OSError as error:
            failures.append(f"could not write {path}: {error.strerror or error}")
        else:
            written.append(path)
    return written, failures
