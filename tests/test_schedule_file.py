"""Replay files: a failing schedule saved with its strategy, settings and version, and run again.

A saved schedule replays step for step; a file from another version, or one changed since it was
saved, is refused by name; so are a folder, a FIFO and a file past the byte limit, each without
blocking or reading it all. Saving never replaces a link or a FIFO.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import run_main

import pysgxalloc as sgx
from pysgxalloc.input_file import MAX_FILE_BYTES
from pysgxalloc.schedule_file import _checksum


def saved(tmp_path: Path, result: sgx.ExploreResult | None = None) -> Path:
    path = tmp_path / "failure.json"
    (result or sgx.explore("plain_node_lock", threads=2, ops=1)).save(path)
    return path


def rewritten(path: Path, changes: dict[str, object], *, keep_checksum: bool = False) -> None:
    """The file with `changes`, its checksum made again unless `keep_checksum` (a careless edit)."""
    data = json.loads(path.read_text())
    data.update(changes)
    if not keep_checksum:
        data["checksum"] = _checksum({k: v for k, v in data.items() if k != "checksum"})
    path.write_text(json.dumps(data))


def test_a_saved_failure_replays_to_the_same_steps_and_the_same_end(tmp_path: Path) -> None:
    res = sgx.explore("plain_node_lock", threads=2, ops=1)
    assert res.first_failure is not None
    run = sgx.replay_file(saved(tmp_path, res))
    assert run.steps == res.first_failure.steps
    assert (run.outcome, run.counter, run.true_free) == ("counter_off", 3, 2)


@pytest.mark.parametrize(
    "search",
    [
        lambda: sgx.explore_hang("plain_node_lock"),
        lambda: sgx.explore(
            "plain_node_lock", threads=8, ops=1, pages_per_node=4, mode="pct", runs=50, seed=2
        ),
        lambda: sgx.explore("plain_unlocked", threads=3, ops=1, points="counter", stripes=1),
    ],
    ids=["hang search", "pct", "counter points"],
)
def test_every_setting_travels_with_the_schedule(tmp_path: Path, search: object) -> None:
    res = search()  # type: ignore[operator]
    loaded = sgx.SavedSchedule.load(saved(tmp_path, res))
    assert loaded.settings == res.settings
    assert loaded.strategy is res.strategy
    assert loaded.replay().steps == res.first_failure.steps


def test_nothing_is_saved_when_nothing_failed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no failing schedule"):
        sgx.explore("atomic", threads=2, ops=1).save(tmp_path / "none.json")
    assert not (tmp_path / "none.json").exists()


def test_a_file_from_another_version_is_refused_by_name(tmp_path: Path) -> None:
    path = saved(tmp_path)
    rewritten(path, {"pysgxalloc": "0.0.1"})
    with pytest.raises(sgx.ScheduleFileError, match=r"saved by pysgxalloc 0\.0\.1, and this is"):
        sgx.replay_file(path)


@pytest.mark.parametrize(
    "changes",
    [{"schedule": "0 1 1 1 1 0 0 0"}, {"strategy": "atomic"}, {"settings": {"threads": 3, "ops": 1}}],
    ids=["schedule", "strategy", "settings"],
)
def test_a_file_changed_since_it_was_saved_is_refused(tmp_path: Path, changes: dict[str, object]) -> None:
    path = saved(tmp_path)
    rewritten(path, changes, keep_checksum=True)
    with pytest.raises(sgx.ScheduleFileError, match="checksum does not match"):
        sgx.replay_file(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schedule": "0 9"}, "thread indices from 0 to 7"),
        ({"schedule": [0, 0]}, "must be a string"),
        ({"strategy": "plain_node_lck"}, "not registered here"),
        ({"scenario": "sweep"}, "scenario is 'sweep'"),
        ({"settings": {"threads": 0}}, "threads must be between 1 and 8"),
        ({"format_version": 2}, "format_version is 2"),
    ],
    ids=repr,
)
def test_a_consistent_file_with_a_bad_field_is_refused_by_field(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = saved(tmp_path)
    rewritten(path, changes)
    with pytest.raises(ValueError, match=message):  # the core checks the ranges, when it runs
        sgx.SavedSchedule.load(path).replay()


def test_a_schedule_the_run_cannot_follow_is_refused_when_replayed(tmp_path: Path) -> None:
    path = saved(tmp_path)
    rewritten(path, {"schedule": "0 0 0 0 0 0 0 0 0 0 0 1"})  # thread 0 has finished long before
    with pytest.raises(ValueError, match="cannot move there"):
        sgx.replay_file(path)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(sgx.ScheduleFileError, match=r"cannot read|not a regular file"):
        sgx.replay_file(tmp_path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "schedule.json"
    os.mkfifo(fifo)
    with pytest.raises(sgx.ScheduleFileError, match="not a regular file"):
        sgx.replay_file(fifo)


def test_a_file_past_the_byte_limit_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:
        out.truncate(1 << 30)  # 1 GiB, sparse: no disk used
    with pytest.raises(sgx.ScheduleFileError, match=f"larger than {MAX_FILE_BYTES:,} bytes"):
        sgx.replay_file(huge)


def test_a_file_that_is_not_a_replay_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"benchmarks": []}')
    with pytest.raises(sgx.ScheduleFileError, match="not a pysgxalloc replay file"):
        sgx.replay_file(other)


def test_saving_through_a_link_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    res = sgx.explore("plain_node_lock", threads=2, ops=1)
    target = tmp_path / "target.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    res.save(link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert sgx.replay_file(target).outcome == "counter_off"


def test_saving_to_a_fifo_without_a_reader_is_refused_and_the_fifo_kept(tmp_path: Path) -> None:
    res = sgx.explore("plain_node_lock", threads=2, ops=1)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="no reader"):
        res.save(fifo)
    assert fifo.is_fifo()


def test_explore_save_then_replay_prints_the_same_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "s.json"
    search = run_main(capsys, "explore", "plain_node_lock", "--ops", "1", "--save", str(path))
    assert search.code == 0 and f"written to {path}" in search.out
    replay = run_main(capsys, "explore", "--replay", str(path))
    assert replay.code == 0, replay.err
    trace = sgx.explore("plain_node_lock", ops=1).trace_text
    assert trace in search.out and trace in replay.out
    assert "saved by pysgxalloc" in replay.out and "replayed: counter_off" in replay.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--replay", "{fifo}"), "not a regular file"),
        (("--replay", "{tmp}"), "--replay"),
        (("atomic", "--save", "{fifo}"), "is a FIFO with no reader"),
        (("atomic", "--replay", "{file}"), "drop STRATEGY"),
        (("--replay", "{file}", "--threads", "3"), "drop --threads"),
        ((), "STRATEGY"),
        (("--replay", "{bad_settings}"), "threads must be between 1 and 8"),
    ],
    ids=lambda value: str(value),
)
def test_explore_refuses_a_bad_replay_or_save_with_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    file = saved(tmp_path)
    bad_settings = tmp_path / "bad.json"
    bad_settings.write_text(file.read_text())
    rewritten(bad_settings, {"settings": {"threads": 0}})
    typed = [arg.format(fifo=fifo, tmp=tmp_path, file=file, bad_settings=bad_settings) for arg in args]
    outcome = run_main(capsys, "explore", *typed)
    assert outcome.code == 2
    assert outcome.err.startswith("pysgxalloc explore: error: ") and outcome.err.count("\n") == 1
    assert message in outcome.err
