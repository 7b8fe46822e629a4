"""Running the CLI in the test process, as a user would see it: exit code, stdout, stderr."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pysgxalloc.__main__ import main


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """main(args), with argparse's SystemExit turned into an exit code like the shell sees."""
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
