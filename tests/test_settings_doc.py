"""docs/settings.md: its examples run as written and print what it shows, and its tables of every
setting are the settings types' own."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import pysgxalloc as sgx
from pysgxalloc.settings import settings_table

PAGE = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
TABLE = re.compile(r"<!-- settings: (\w+) -->\n(.*?)<!-- end -->", re.S)
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def filled(text: str) -> str:
    """The page with every settings table made again from its settings type."""
    return TABLE.sub(
        lambda m: f"<!-- settings: {m[1]} -->\n{settings_table(getattr(sgx, m[1]))}\n<!-- end -->", text
    )


def test_the_tables_are_the_settings_types_own() -> None:
    text = PAGE.read_text()
    assert TABLE.findall(text), "no settings table"
    assert text == filled(text), "run: python tests/test_settings_doc.py, to make the tables again"


def test_every_example_runs_and_prints_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(PAGE.read_text())
    for index, (language, code) in enumerate(blocks):
        if language == "sh":
            for line in code.splitlines():
                command = shlex.split(line.split("  #")[0])
                assert command[0] == "python", line
                done = subprocess.run(
                    [sys.executable, *command[1:]], capture_output=True, text=True, check=False
                )
                assert done.returncode == 0, (line, done.stderr)
        elif language == "python":
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"{PAGE.name} block {index}", "exec"), {})
            following = blocks[index + 1] if index + 1 < len(blocks) else ("python", "")
            if following[0] == "output":  # the output shown after it
                assert printed.getvalue() == following[1], code


if __name__ == "__main__":
    PAGE.write_text(filled(PAGE.read_text()))
