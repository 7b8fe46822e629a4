"""The standard streams can be hostile too: a reader that goes away, a closed or full stdout, a closed
stderr, an ASCII-only stdout. Each ends as main.py documents (141, a one-line message, or the run
going on), never in a traceback. Each command runs in a child with a timeout and SIGINT at its
default; a full device is made in tmp_path (root only), never the machine's /dev/full."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from interrupted_child import default_sigint

EXPLORE = ["explore", "plain_node_lock", "--ops", "1"]
SMALL = {
    "explore": EXPLORE,
    "reclaim": ["reclaim", "--runs", "1", "--strategies", "atomic", "--pages-per-node", "256",
                "--enclave-pages", "1024"],
    "lockup": ["lockup", "--runs", "1", "--pages-per-node", "64"],
    "costs": ["costs", "--threads", "1", "--writers", "0", "--ops", "1000", "--rounds", "1",
              "--repeats", "1"],
}  # fmt: skip


def pysgxalloc(
    args: list[str], *, stdout: int | None = None, before: Callable[[], None] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    def prepare() -> None:
        default_sigint()
        if before is not None:
            before()

    return subprocess.run(
        [sys.executable, "-m", "pysgxalloc", *args],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        preexec_fn=prepare,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("command", sorted(SMALL))
def test_a_reader_that_went_away_ends_the_command_with_141_and_no_traceback(command: str) -> None:
    # The read end is closed before the child starts writing: its first write fails, whatever the timing.
    read, write = os.pipe()
    os.close(read)
    try:
        done = pysgxalloc(SMALL[command], stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr


def test_a_closed_stdout_is_said_in_one_line_and_the_files_are_still_written(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    args = ["sweep", "--strategies", "atomic", "--threads", "1", "--repeats", "1", "--ops", "1000"]
    done = pysgxalloc([*args, "--json", str(path)], stdout=subprocess.DEVNULL, before=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert "stdout is closed" in done.stderr and "Traceback" not in done.stderr
    assert len(json.loads(path.read_text())["measurements"]) == 1


def test_a_closed_stderr_leaves_the_sweep_working() -> None:
    args = ["sweep", "--strategies", "atomic", "--threads", "1", "--repeats", "1", "--ops", "1000"]
    done = pysgxalloc(args, before=lambda: os.close(2))
    assert done.returncode == 0
    assert "atomic" in done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_full_stdout_ends_in_one_line_and_exit_1(tmp_path: Path) -> None:
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    with full.open("w") as out:
        done = pysgxalloc(EXPLORE, stdout=out.fileno())
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "pysgxalloc explore: error: cannot write to stdout: No space left on device"
    ]


def test_an_ascii_only_stdout_shows_other_characters_escaped(tmp_path: Path) -> None:
    data = {
        "machine_info": {"node": "café", "processor": "cpu", "cpu": {"count": 2}},
        "benchmarks": [{"name": "test_hammer", "extra_info": {"strategy": "atomic", "engine": "native",
                        "threads": 2, "work": 0, "cpus": 2, "ops_per_sec": 1e6, "drift": 0}}],
    }  # fmt: skip
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data))
    done = pysgxalloc(["report", str(path)], PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr
    assert "caf\\xe9" in done.stdout
