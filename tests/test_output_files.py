"""Outputs never replace what they should not: a file is written atomically, a symlink's target is the
file replaced, a FIFO or a device is written through (or refused at once), and nothing is ever turned
into a file of another kind. Every node here is made in tmp_path; the machine's /dev is never touched.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pytest
from cli_helpers import run_main

from pysgxalloc.cli.commands import costs
from pysgxalloc.output_path import OutputPathError, prepare_output, write_output
from pysgxalloc.strategy_costs import measure_once
from pysgxalloc.sweep_record import SweepConfig, SweepRecord

TINY = ["--strategies", "atomic", "--threads", "1", "--repeats", "1", "--ops", "1000"]
COSTS_TINY = ["--threads", "1", "--writers", "0", "--ops", "1000", "--rounds", "1", "--repeats", "1"]
#: Major and minor numbers of Linux's null and full devices (Documentation/admin-guide/devices.txt).
NULL_DEVICE, FULL_DEVICE = os.makedev(1, 3), os.makedev(1, 7)

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")


def kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    for name, test in (("link", stat.S_ISLNK), ("file", stat.S_ISREG), ("fifo", stat.S_ISFIFO),
                       ("char", stat.S_ISCHR), ("socket", stat.S_ISSOCK)):  # fmt: skip
        if test(mode):
            return name
    return "other"


def device(tmp_path: Path, name: str, number: int) -> Path:
    """A character device node of our own, in tmp_path (skips where the file system refuses devices)."""
    path = tmp_path / name
    os.mknod(path, stat.S_IFCHR | 0o666, number)
    try:
        os.close(os.open(path, os.O_WRONLY))
    except PermissionError:
        pytest.skip("tmp_path is on a file system mounted nodev")
    return path


@contextmanager
def fifo_reader(path: Path) -> Iterator[list[bytes]]:
    """A FIFO at `path` with a reader collecting everything written to it until every writer closed.

    The test holds a writer of its own until the block ends, so the reader cannot see the end of
    the file before the command under test has opened it (no timing involved)."""
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    holder = os.open(path, os.O_WRONLY)
    os.set_blocking(reader, True)
    chunks: list[bytes] = []

    def read_all() -> None:
        while chunk := os.read(reader, 65536):
            chunks.append(chunk)

    thread = threading.Thread(target=read_all)
    thread.start()
    try:
        yield chunks
    finally:
        os.close(holder)
        thread.join(timeout=60)
        os.close(reader)
    assert not thread.is_alive()


def record() -> SweepRecord:
    return SweepRecord.start(SweepConfig(strategies=("atomic",), threads=(1,), repeats=1))


# --- the writer itself -------------------------------------------------------------------------


def test_a_file_is_replaced_whole_by_a_new_one_never_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    before = os.stat(path).st_ino
    record().save_csv(path)
    assert os.stat(path).st_ino != before  # a new file renamed over the old one
    assert path.read_text().startswith("hostname,")


def test_a_write_stopped_halfway_keeps_the_old_contents_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")

    def stopped(out: BinaryIO) -> None:
        out.write(b"half a file")
        raise KeyboardInterrupt  # as a SIGTERM handler or Ctrl-C would stop it

    with pytest.raises(KeyboardInterrupt):
        write_output(path, stopped)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("{}")
    path.chmod(0o640)
    record().save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_symlinks_target_is_replaced_and_the_link_stays_a_link(tmp_path: Path) -> None:
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target.name)
    record().save(link)
    assert kind(link) == "link" and os.readlink(link) == target.name
    assert json.loads(target.read_text())["schema"] == "pysgxalloc.sweep"


def test_a_dangling_symlink_gets_its_target_made(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    record().save(link)
    assert kind(link) == "link" and kind(tmp_path / "made.json") == "file"


def test_a_fifo_without_a_reader_is_refused_at_once_and_stays_a_fifo(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    with pytest.raises(OSError, match="FIFO with no reader"):
        prepare_output(path)
    assert kind(path) == "fifo"


def test_a_fifo_with_a_reader_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    with fifo_reader(path) as chunks:
        record().save(path)
    assert json.loads(b"".join(chunks))["schema"] == "pysgxalloc.sweep"
    assert kind(path) == "fifo"


def test_a_socket_is_refused_and_stays_a_socket(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(OutputPathError, match="socket"):
            record().save(path)
        assert kind(path) == "socket"
    finally:
        server.close()


@root_only
def test_a_device_node_is_written_through_and_stays_a_device(tmp_path: Path) -> None:
    path = device(tmp_path, "null", NULL_DEVICE)
    record().save(path)
    assert kind(path) == "char" and os.stat(path).st_rdev == NULL_DEVICE


@root_only
def test_a_full_device_reports_the_failed_write_and_stays_a_device(tmp_path: Path) -> None:
    path = device(tmp_path, "full", FULL_DEVICE)
    with pytest.raises(OSError, match="No space left"):
        record().save(path)
    assert kind(path) == "char" and os.stat(path).st_rdev == FULL_DEVICE


def test_a_descriptor_link_writes_into_the_open_file_and_never_renames_over_it(tmp_path: Path) -> None:
    # /dev/stdout's own shape, made here: a link to /proc/self/fd/1, stdout a file the "shell" opened.
    link, log = tmp_path / "stdout", tmp_path / "log.txt"
    link.symlink_to("/proc/self/fd/1")
    code = (
        "import sys; from pathlib import Path; from pysgxalloc.sweep_record import SweepConfig, SweepRecord\n"
        "print('before', flush=True)\n"
        "config = SweepConfig(strategies=('atomic',), threads=(1,), repeats=1)\n"
        "SweepRecord.start(config).save(Path(sys.argv[1]))\n"
    )
    with log.open("w") as out:
        inode = os.fstat(out.fileno()).st_ino
        subprocess.run([sys.executable, "-c", code, str(link)], stdout=out, check=True, timeout=60)
    assert os.stat(log).st_ino == inode and kind(link) == "link"
    first, rest = log.read_text().split("\n", 1)
    assert first == "before" and json.loads(rest)["schema"] == "pysgxalloc.sweep"


# --- every command checks its outputs before it measures --------------------------------------


def test_sweep_refuses_a_fifo_without_a_reader_before_the_first_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    done = run_main(capsys, "sweep", *TINY, "--json", str(path))
    assert done.code == 2 and done.err.count("\n") == 1
    assert "--json" in done.err and "FIFO with no reader" in done.err
    assert kind(path) == "fifo"


def test_sweep_writes_its_json_through_a_fifo_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "fifo"
    with fifo_reader(path) as chunks:
        done = run_main(capsys, "sweep", *TINY, "--json", str(path))
    assert done.code == 0, done.err
    assert len(json.loads(b"".join(chunks))["measurements"]) == 1  # one JSON document, not several
    assert kind(path) == "fifo"


def test_sweep_refuses_a_socket_for_its_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        done = run_main(capsys, "sweep", *TINY, "--csv", str(path))
        assert done.code == 2 and "--csv" in done.err and "socket" in done.err
        assert kind(path) == "socket"
    finally:
        server.close()


def test_costs_checks_its_json_before_measuring(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("measured before checking --json")

    monkeypatch.setattr(costs, "measure_once", never)
    path = tmp_path / "fifo"
    os.mkfifo(path)
    done = run_main(capsys, "costs", *COSTS_TINY, "--json", str(path))
    assert done.code == 2 and done.err.count("\n") == 1 and "--json" in done.err
    assert kind(path) == "fifo"


def test_costs_reports_a_write_that_fails_at_the_end_in_one_line_keeping_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def reader_goes_away(*args: object) -> None:
        nonlocal reader
        if reader >= 0:
            os.close(reader)  # after the check, before the write: the write finds no reader
            reader = -1
        measure_once(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(costs, "measure_once", reader_goes_away)
    done = run_main(capsys, "costs", *COSTS_TINY, "--json", str(path))
    assert done.code == 1
    assert "strategy" in done.out  # the table
    errors = [line for line in done.err.splitlines() if "error" in line]
    assert len(errors) == 1 and f"could not write {path}" in errors[0]
    assert kind(path) == "fifo"


@root_only
def test_costs_json_on_a_full_device_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = device(tmp_path, "full", FULL_DEVICE)
    done = run_main(capsys, "costs", *COSTS_TINY, "--json", str(path))
    assert done.code == 1
    assert "No space left" in done.err and "Traceback" not in done.err
    assert kind(path) == "char"


def test_explore_checks_its_plot_before_the_search(capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, "explore", "plain_node_lock", "--ops", "1", "--plot", "/proc/pysgxalloc-x.png")
    assert done.code == 2 and done.err.count("\n") == 1 and "--plot" in done.err
    assert done.out == ""  # no search ran


def test_explore_with_nothing_to_plot_says_so_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.png"
    done = run_main(capsys, "explore", "atomic", "--ops", "1", "--plot", str(path))
    assert done.code == 0
    assert "nothing written" in done.err and "no failing schedule" in done.err
    assert not path.exists()


def test_explore_draws_its_plot_through_a_fifo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "trace.png"
    with fifo_reader(path) as chunks:
        done = run_main(capsys, "explore", "plain_node_lock", "--ops", "1", "--plot", str(path))
    assert done.code == 0, done.err
    assert b"".join(chunks).startswith(b"\x89PNG")
    assert kind(path) == "fifo"


def test_report_refuses_a_plot_fifo_without_a_reader_before_reading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plot.png"
    os.mkfifo(path)
    done = run_main(capsys, "report", str(tmp_path / "absent.json"), "--plot", str(path))
    assert done.code == 2 and "--plot" in done.err and "FIFO with no reader" in done.err
