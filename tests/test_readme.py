"""The README shows what the commands beside its figures print."""

from __future__ import annotations

import re
from pathlib import Path

from pysgxalloc.cli.main import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def block_after(command: str) -> str:
    """The first ``` block after the line that shows `command`."""
    start = README.index(command)
    found = re.compile(r"```\n(.*?)```", re.S).search(README, README.index("\n", start))
    assert found, f"no output block after {command!r}"
    return found.group(1)


def test_the_reclaim_table_lists_every_strategy_the_command_prints() -> None:
    printed = build_parser().parse_args(["reclaim"]).strategies  # what a plain `reclaim` runs
    table = block_after("What `python -m pysgxalloc reclaim --runs 50` printed")
    rows = {line.split()[0] for line in table.splitlines() if line.strip()}
    missing = [name for name in printed if name not in rows]
    assert missing == []


def test_the_readme_never_installs_pysgxalloc_from_an_index() -> None:
    assert "pysgxalloc[plot]" not in README  # it is on no index: only a checkout installs it
