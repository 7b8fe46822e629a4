"""One way to read an input file, JSON or CSV, from anywhere, within bounds: no file can hang or exhaust us.

A result file may come from another machine or another person. What it may cost is
bounded here, before any field is looked at, for JSON and CSV alike:

- only regular files are read, opened non-blocking (opening a FIFO for reading would
  otherwise wait for a writer; /dev/zero would never end), at most `MAX_FILE_BYTES`;
- the text is UTF-8, with or without the byte-order mark spreadsheets put first;
- JSON is nested at most as deep as the parser's recursion allows, holds only the
  numbers JSON has (Python's parser also accepts NaN, Infinity and -Infinity, which no
  field of ours can hold) and no integer too long to convert (Python refuses more than
  4,300 digits; no field of ours holds more than 16).

What the numbers may be (finite, within +-2**53, thread counts in range) is checked
by the readers of each field (sweep_record.checked_number, checked_threads), the same
for a JSON and a CSV file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

#: The largest file read: a sweep of every allowed run (sweep_record.MAX_RUNS) takes far less.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Digits of the longest integer parsed: Python's own limit for converting text to an int.
MAX_INT_DIGITS = 4300
#: What spreadsheets write first in a UTF-8 CSV.
_BOM = "\ufeff"


class InputFileError(ValueError):
    """A file that cannot be read as a bounded input; the message says why (without the path)."""


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """`path`'s text, a leading BOM dropped; OSError when it cannot be opened, InputFileError for the rest."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError("is not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputFileError(f"is larger than {max_bytes:,} bytes")
    try:
        text = data.decode()
    except UnicodeDecodeError as error:
        raise InputFileError(f"is not UTF-8 text: {error}") from None
    return text.removeprefix(_BOM)


def _refuse_constant(name: str) -> object:
    raise InputFileError(f"holds {name}, which is not a JSON number")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise InputFileError(f"holds an integer of {digits:,} digits (more than {MAX_INT_DIGITS:,})")
    return int(text)


def read_json(path: Path, max_bytes: int = MAX_FILE_BYTES) -> object:
    """The parsed contents of `path`; OSError when it cannot be opened, InputFileError for the rest."""
    text = read_text(path, max_bytes)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise InputFileError(f"is not JSON: {error}") from None
    except RecursionError:
        raise InputFileError("is nested too deeply to be one of our result files") from None


def read_json_as(error: type[Exception], path: Path) -> object:
    """`read_json`, each way it can fail as one `error` naming `path`: ``cannot read PATH: reason``
    when it cannot be opened, ``PATH is ...`` for what the reader refuses."""
    try:
        return read_json(path)
    except OSError as failure:
        raise error(f"cannot read {path}: {failure.strerror or failure}") from None
    except InputFileError as failure:
        raise error(f"{path} {failure}") from None


def read_csv(path: Path, max_bytes: int = MAX_FILE_BYTES) -> list[dict[str, str]]:
    """`path`'s rows under its header's names; OSError when it cannot be opened, InputFileError for the
    rest (a row with more or fewer fields than the header among them)."""
    text = read_text(path, max_bytes)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:  # a field longer than csv.field_size_limit() among them
        raise InputFileError(f"is not CSV: {error}") from None
    if not rows:
        return []
    header, *body = rows
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise InputFileError(
                f"is not one CSV table: line {number:,} has {len(row):,} fields, the header {len(header):,}"
            )
    return [dict(zip(header, row, strict=True)) for row in body]
