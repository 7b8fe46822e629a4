"""read_json(): a JSON file from anywhere, read within bounds, so that no file can hang or exhaust a reader;
write_json(): one written whole or not at all, never in place of something that is not a file.

A result file may come from another machine or another person. What it may
cost is bounded here, before any field is looked at: only regular files are
read (a FIFO would block forever, /dev/zero would never end), at most
`MAX_FILE_BYTES` of them, nested at most as deep as the parser's recursion
allows, and with numbers JSON actually has (Python's parser also accepts NaN,
Infinity and -Infinity, which no field of ours can hold).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

#: The largest file read: a sweep of every allowed run (sweep_record.MAX_RUNS) takes far less.
MAX_FILE_BYTES = 64 * 1024 * 1024


class JsonFileError(ValueError):
    """A file that cannot be read as bounded JSON; the message says why (without the path)."""


def _refuse_constant(name: str) -> object:
    raise JsonFileError(f"holds {name}, which is not a JSON number")


def read_json(path: Path, max_bytes: int = MAX_FILE_BYTES) -> object:
    """The parsed contents of `path`; OSError when it cannot be opened, JsonFileError for the rest."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise JsonFileError("is not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise JsonFileError(f"is larger than {max_bytes:,} bytes")
    try:
        return json.loads(data.decode(), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise JsonFileError(f"is not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise JsonFileError(f"is not JSON: {error}") from None
    except RecursionError:
        raise JsonFileError("is nested too deeply to be one of our result files") from None


#: What open() gives a new file before the umask: results are meant to be shared.
_NEW_FILE_MODE = 0o666


def refuse_replacing(path: Path) -> None:
    """JsonFileError when `path` exists and is not a regular file: a link (whose target would change
    under whoever follows it), a FIFO, a device or a folder is never replaced by a file. Call it before
    the work whose result goes to `path`, and again when writing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise JsonFileError("is a symbolic link; refusing to replace it with a file")
    if not stat.S_ISREG(mode):
        raise JsonFileError(
            "exists and is not a regular file (a folder, FIFO or device); refusing to replace it"
        )


def write_json(path: Path, data: object) -> None:
    """Write `data` to `path` atomically (a reader, or a crash, never sees half a file); JsonFileError
    when `path` is something `refuse_replacing` refuses, OSError when it cannot be written."""
    refuse_replacing(path)
    text = json.dumps(data, indent=1) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, _NEW_FILE_MODE & ~umask)  # mkstemp's 0600 is for secrets
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
