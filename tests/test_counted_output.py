"""Every count the commands print agrees with its noun ("1 thread", "2 threads") and has thousands
separators ("2,000,000 ops"), and no command writes a count and its noun by hand."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_main

from pysgxalloc.counted import counted, counted_of

CLI = Path(__file__).resolve().parents[1] / "src" / "pysgxalloc" / "cli"

#: A count (one name, call or attribute, perhaps formatted) put straight into an f-string beside a
#: plural noun, or a noun with "(s)" in a string.
_BY_HAND = re.compile(
    r"\{[\w.()\[\]]+(?::[^{}]*)?\}\)? (threads|ops|runs|pages|nodes|workers|fault workers|schedules|steps|"
    r"passes|writers|strategies|repeats|engines|samples|CPUs|usable CPUs|preemptions|times)\b"
    r"|[a-z]\(s\)[ ,;)'\"]"
)


def by_hand(source: str) -> list[str]:
    """The lines of `source` that print a count with its noun without `counted`."""
    return [line.strip() for line in source.splitlines() if _BY_HAND.search(line)]


def test_one_takes_the_singular_and_every_other_count_the_plural() -> None:
    assert counted(1, "thread") == "1 thread"
    assert [counted(n, "op") for n in (0, 2)] == ["0 ops", "2 ops"]
    assert counted(1, "pass", "passes") == "1 pass"
    assert counted(3, "pass", "passes") == "3 passes"


def test_counts_have_thousands_separators_numpy_ints_too() -> None:
    assert counted(2_000_000, "op") == "2,000,000 ops"
    assert counted(np.int64(16384), "page") == "16,384 pages"


def test_a_part_of_a_whole_agrees_with_the_whole() -> None:
    assert counted_of(1, 1, "run") == "1 of 1 run"
    assert counted_of(0, 1_000, "run") == "0 of 1,000 runs"


def test_a_count_must_be_an_integer() -> None:
    with pytest.raises(TypeError):
        counted(1.5, "thread")  # type: ignore[arg-type]


def test_explore_says_one_thread_and_one_op(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "explore", "plain_node_lock", "--threads", "1", "--ops", "1")
    assert done.code == 0, done.err
    header, coverage = done.out.splitlines()[:2]
    assert "1 thread x 1 op on 2 nodes x 2 pages" in header
    assert coverage.startswith("1 schedule run to the end (1 run, ")


def test_explore_names_its_preemptions_without_a_parenthesised_plural(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["explore", "plain_node_lock", "--ops", "1", "--preemption-bound", "1", "--time-limit", "86400"]
    done = run_main(capsys, *args)
    assert done.code == 0, done.err
    assert "complete up to 1 preemption" in done.out
    assert "first failing schedule: 1 preemption, " in done.out
    assert "(s)" not in done.out


def test_no_command_line_module_writes_a_count_and_its_noun_by_hand() -> None:
    found = {path.name: by_hand(path.read_text()) for path in sorted(CLI.rglob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_by_hand_check_sees_a_plural_written_by_hand() -> None:
    # The check itself must be able to fail: each form it looks for, once.
    assert by_hand('f"{settings.threads} threads x {settings.ops} ops"')
    assert by_hand('f"{n} preemption(s)"')
    assert by_hand('f"{len(runs)} runs"')
    assert by_hand("f\"{counted(n, 'thread')}\"") == []
