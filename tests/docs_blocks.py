"""The code blocks of the README and the docs pages, and how a pasted output is compared with a fresh one.

Conventions every page follows (docs/development.md says so to writers):

- ```` ```sh ````: commands, one a line (``\\`` continues one), ``# ...`` a comment; the tests run each.
- ```` ```python ````: run in order, a page's blocks sharing one namespace.
- ```` ```output ````: what the runnable block just before it printed. Figures vary from run to run,
  so it is compared by structure: the first line's leading words, every table's header words and
  row names, and the kinds of the other lines (their first word, numbers aside: a sentence whose
  wording follows the figures, "X lost updates" or "X, Y lost none", keeps its kind). A paste that
  leaves lines out says so with a line ``[...]``; then what it shows must be in the fresh output,
  rather than the two being alike.
- A Markdown table a script printed is preceded by ``<!-- printed by: COMMAND -->``; its header
  row and first column are compared with the fresh one's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pysgxalloc import STRATEGIES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LANGUAGES = ("sh", "python", "output")
#: A line standing for the lines a paste leaves out.
ELISION = "[...]"

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_PRINTED_BY = re.compile(r"<!-- printed by: (.+?) -->\n+((?:\|.*\|\n)+)")
_RULE = re.compile(r"^[─━]{8,}$")
_NUMBER = re.compile(r"[-+]?\d[\d,._]*")
#: Lines whose presence depends on the run (a note, the intervals' coverage), not on the command.
_OPTIONAL = ("note:", "intervals:", "interrupted", "wrote ")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  #: 1-based line of the opening fence
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.language})"


@dataclass(frozen=True)
class PrintedTable:
    page: Path
    command: str
    table: str


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [
        Block(page, text.count("\n", 0, found.start()) + 1, found.group(1), found.group(2))
        for found in _FENCE.finditer(text)
    ]


def printed_tables(page: Path) -> list[PrintedTable]:
    return [PrintedTable(page, m.group(1), m.group(2)) for m in _PRINTED_BY.finditer(page.read_text())]


def commands(block: Block) -> list[str]:
    """A sh block's commands: continuation lines joined, comments and blank lines dropped."""
    joined = block.text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        command = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if command:
            out.append(" ".join(command.split()))
    return out


@dataclass(frozen=True)
class Structure:
    """What a command's output must keep from one run to the next."""

    first: str
    tables: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  #: (header words, row names) each
    kinds: frozenset[str]  #: the other lines, by their first word with numbers as '#'


def structure(text: str) -> Structure:
    lines = [line.rstrip("\n") for line in text.splitlines()]
    in_table: set[int] = set()
    tables: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for index, line in enumerate(lines):
        if not _RULE.match(line.strip()):
            continue
        header = _header_lines(lines, index)
        rows = _row_lines(lines, index)
        in_table.update(range(index - len(header), index + 1), rows)
        words = tuple(w for i in header for w in lines[i].split() if not re.search(r"[\d\[\]]", w))
        names = tuple(_kind(lines[i].split()[0]) for i in rows if lines[i][:2].strip())
        tables.append((words, names))
    first = next((line for line in lines if line.strip()), "")
    kinds = frozenset(
        _line_kind(line.split()[0].rstrip(",:;."))
        for i, line in enumerate(lines)
        if line.strip()
        and i not in in_table
        and not line[:1].isspace()
        and not line.startswith(_OPTIONAL)
        and line.strip() != ELISION
    )
    return Structure(_lead(first), tuple(tables), kinds)


def _lead(line: str) -> str:
    """The first line's leading words: up to its first colon (``pysgxalloc reclaim``), else its first word."""
    head = line.split(":", 1)[0] if ":" in line[:60] else line.split(" ", 1)[0]
    return _kind(head.strip())


def _kind(text: str) -> str:
    return _NUMBER.sub("#", text)


#: Strategy names, by which a verdict sentence starts: which strategy comes first ("X hung in ...",
#: "X, Y never hung") follows the run's outcomes, not the command, so they are one kind of line.
_STRATEGY_NAMES = frozenset(strategy.name for strategy in STRATEGIES)


def _line_kind(first_word: str) -> str:
    return "<strategy>" if first_word in _STRATEGY_NAMES else _kind(first_word)


def _tabular(line: str) -> bool:
    """A line of a table: columns apart by two spaces or more, or indented (a title, a second line)."""
    return bool(line.strip()) and (line[:1].isspace() or "  " in line.strip())


def _header_lines(lines: list[str], rule: int) -> list[int]:
    found: list[int] = []
    index = rule - 1
    while index >= 0 and _tabular(lines[index]):
        found.insert(0, index)
        index -= 1
    return found


def _row_lines(lines: list[str], rule: int) -> list[int]:
    """The lines of the rows under a rule: named rows and their indented second lines (blank cells too)."""
    found: list[int] = []
    index = rule + 1
    while index < len(lines) and (_tabular(lines[index]) or (lines[index] and not lines[index].strip())):
        found.append(index)
        index += 1
    return found


def differences(pasted: str, printed: str) -> list[str]:
    """How a paste's structure departs from a fresh output's; [] when it keeps to it."""
    want, got = structure(pasted), structure(printed)
    trimmed = any(line.strip() == ELISION for line in pasted.splitlines())
    problems = []
    if want.first != got.first:
        problems.append(f"first line starts {want.first!r}, the command's {got.first!r}")
    for header, rows in want.tables:
        same = [found for found in got.tables if found[0] == header]
        if not same:
            problems.append(f"no table with the header {' '.join(header)!r}: {[t[0] for t in got.tables]}")
        elif not any(set(rows) <= set(found[1]) if trimmed else rows == found[1] for found in same):
            problems.append(f"rows {rows} against the command's {[found[1] for found in same]}")
    if not trimmed and len(want.tables) != len(got.tables):
        problems.append(f"{len(want.tables)} tables pasted, the command printed {len(got.tables)}")
    missing = sorted(want.kinds - got.kinds)
    if missing:
        problems.append(f"lines the command no longer prints: {missing}")
    extra = sorted(got.kinds - want.kinds)
    if extra and not trimmed:
        problems.append(f"lines the paste lacks: {extra}")
    return problems


def markdown_table_differences(pasted: str, printed: str) -> list[str]:
    """A printed Markdown table against a pasted one: the same header row and the same first column."""

    def shape(table: str) -> tuple[str, list[str]]:
        rows = [line for line in table.splitlines() if line.startswith("|")]
        if not rows:
            return "", []
        return rows[0], [row.split("|")[1].strip() for row in rows[2:]]

    want, got = shape(pasted), shape(printed)
    if want[0] != got[0]:
        return [f"header {want[0]!r}, the command's {got[0]!r}"]
    if want[1] != got[1]:
        return [f"first column {want[1]}, the command's {got[1]}"]
    return []
