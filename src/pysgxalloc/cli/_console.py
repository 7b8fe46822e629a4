"""How the commands print: rich consoles, progress bars and the table style, in one place."""

from __future__ import annotations

import errno
import re
import sys
from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from pysgxalloc.counted import counted_of

#: Width when stdout is a file or a pipe: wide enough that no table wraps in a log or a bug report.
_PIPE_WIDTH = 160


class _Console(Console):
    """rich's Console, but a reader that went away is the BrokenPipeError main() turns into exit 141
    (rich itself would exit 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of stdout went away")


def stdout_console() -> Console:
    """Tables and results: stdout, no colour guessing on numbers, and no wrapping when piped."""
    return _Console(highlight=False, width=None if sys.stdout.isatty() else _PIPE_WIDTH)


def stderr_console() -> Console:
    """Progress and notes: stderr, so stdout stays the results alone."""
    return _Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _PIPE_WIDTH)


def progress_bar(console: Console) -> Progress:
    """A progress bar that disappears when done; shown only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def table() -> Table:
    """The project's table style: plain rules that paste cleanly into a bug report."""
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


#: What a terminal would act on instead of showing: C0 controls (NUL, ESC, BEL, CR, LF and tab
#: among them: a field is one line), DEL, the C1 controls (0x9b is a one-byte CSI), and the
#: bidirectional overrides, embeddings, isolates and marks that reorder what is shown.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every character a terminal would act on shown as an escape (``\\x1b``, ``\\u202e``):
    for every string that came from a file or another machine, before it is printed."""
    return _UNSAFE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_cells(cells: Iterable[str]) -> list[Text]:
    """A table row's cells as plain text (never rich markup), each made terminal-safe but for its line
    breaks (a cell of two lines, a median over its interval, is the table's own): every table adds
    its rows through this."""
    return [Text("\n".join(terminal_safe(line) for line in cell.split("\n"))) for cell in cells]


def print_interrupted(done: int, planned: int) -> None:
    """Every command's notice that Ctrl-C stopped it: on stderr with the other notes, after the results."""
    finished = "the result above is that run" if done == 1 else "the results above are those runs"
    stderr_console().print(f"interrupted after {counted_of(done, planned, 'run')}; {finished}.")
