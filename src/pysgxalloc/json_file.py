"""read_json(): a JSON file from anywhere, read within bounds, so that no file can hang or exhaust a reader.

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
