"""Replay files: a failing schedule saved with everything needed to run it again, and run again.

``ExploreResult.save(path)`` (``explore --save FILE``) writes the first failure's schedule as JSON
with the strategy, every setting of the search, the outcome it had and the package version;
``replay_file(path)`` (``explore --replay FILE``) reads it back and runs the schedule again, which
repeats the run step for step. A schedule means something only to the code that made it: a file
from another version of pysgxalloc is refused, and so is one whose checksum (SHA-256 of the rest
of the file, written canonically) no longer matches, which catches an edit or a damaged copy (not
an attacker, who can recompute it). Files are read within input_file.py's bounds (a regular file,
opened non-blocking, at most `MAX_FILE_BYTES`) and written atomically, never over a link, a FIFO
or a device.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pysgxalloc._core import Strategy
from pysgxalloc._version import installed_version
from pysgxalloc.explore import ExploreResult, ScheduleRun, SearchSettings, replay_schedule
from pysgxalloc.explore_settings import ExploreSettings, HangSettings
from pysgxalloc.input_file import read_json_as
from pysgxalloc.output_path import write_output
from pysgxalloc.settings import settings_from_dict, settings_to_dict
from pysgxalloc.strategy import known_strategy

#: What the file's "format" field says.
FORMAT = "pysgxalloc-schedule"
#: The layout of the file; a newer one is refused.
FORMAT_VERSION = 1
#: The most entries a schedule may have: the core's most steps a run may take (kMaxStepsPerRun).
MAX_SCHEDULE_LENGTH = 1 << 24
#: A schedule names threads by index; a run has at most this many (kMaxScheduledThreads).
MAX_THREADS = 8

_SETTINGS_TYPES: dict[str, type[ExploreSettings] | type[HangSettings]] = {
    ExploreSettings.SCENARIO: ExploreSettings,
    HangSettings.SCENARIO: HangSettings,
}


class ScheduleFileError(ValueError):
    """A replay file that cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class SavedSchedule:
    """One schedule and everything needed to run it again."""

    strategy: Strategy
    settings: SearchSettings
    schedule: tuple[int, ...]
    outcome: str  #: how the run ended when it was saved
    package_version: str  #: the pysgxalloc that found it

    @classmethod
    def of(cls, result: ExploreResult) -> SavedSchedule:
        """`result`'s first failure; ValueError when nothing failed."""
        if result.first_failure is None:
            raise ValueError("no failing schedule to save")
        failure = result.first_failure
        return cls(result.strategy, result.settings, failure.schedule, failure.outcome, installed_version())

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "pysgxalloc": self.package_version,
            "strategy": self.strategy.name,
            "scenario": self.settings.SCENARIO,
            "settings": settings_to_dict(self.settings),
            "outcome": self.outcome,
            "schedule": " ".join(str(thread) for thread in self.schedule),
        }
        return {**body, "checksum": _checksum(body)}

    def save(self, path: Path) -> None:
        """Write the file as output_path.py writes every output (atomically for a file, a link's
        target and never the link); OutputPathError (a ValueError) or OSError when `path` cannot take it."""
        text = self.to_bytes()
        write_output(Path(path), lambda out: out.write(text))

    def to_bytes(self) -> bytes:
        """The file's contents: what `save` writes."""
        return (json.dumps(self.to_dict(), indent=1) + "\n").encode()

    @classmethod
    def load(cls, path: Path) -> SavedSchedule:
        """Read a replay file; ScheduleFileError says why one cannot be used."""
        path = Path(path)
        data = read_json_as(ScheduleFileError, path)
        try:
            return cls._from_dict(data)
        except (TypeError, ValueError) as error:
            raise ScheduleFileError(f"{path}: {error}") from None

    @classmethod
    def _from_dict(cls, data: object) -> SavedSchedule:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError("not a pysgxalloc replay file (explore --save writes them)")
        body = {key: value for key, value in data.items() if key != "checksum"}
        if data.get("checksum") != _checksum(body):
            raise ValueError(
                "its checksum does not match its contents: the file was changed after it was saved"
            )
        if body.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"format_version is {body.get('format_version')!r}; this pysgxalloc reads {FORMAT_VERSION}"
            )
        version, here = body.get("pysgxalloc"), installed_version()
        if version != here:
            raise ValueError(
                f"saved by pysgxalloc {version}, and this is {here}: a schedule replays only on the version "
                "that found it (run the search again here)"
            )
        strategy = known_strategy(str(body.get("strategy")))
        if strategy is None:
            raise ValueError(
                f"strategy {body.get('strategy')!r} is not registered here (load a user's strategy first)"
            )
        settings_type = _SETTINGS_TYPES.get(str(body.get("scenario")))
        if settings_type is None:
            raise ValueError(f"scenario is {body.get('scenario')!r}, not one of {', '.join(_SETTINGS_TYPES)}")
        stored = body.get("settings")
        if not isinstance(stored, Mapping):
            raise ValueError("settings must be a JSON object")
        settings: SearchSettings = (
            settings_from_dict(ExploreSettings, stored, where="settings.")
            if settings_type is ExploreSettings
            else settings_from_dict(HangSettings, stored, where="settings.")
        )
        return cls(strategy, settings, _schedule(body.get("schedule")), str(body.get("outcome")), here)

    def replay(self) -> ScheduleRun:
        """Run the schedule again with its settings: the same steps, the same end."""
        return replay_schedule(self.strategy, self.settings, self.schedule)


def replay_file(path: Path | str) -> ScheduleRun:
    """Run the schedule saved in `path` (``ExploreResult.save``, ``explore --save``) again.

    ScheduleFileError (a ValueError) for a file that cannot be used: not a regular file, larger
    than the byte limit, not a replay file, changed since it was saved, or saved by another version.
    """
    return SavedSchedule.load(Path(path)).replay()


def _checksum(body: Mapping[str, object]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _schedule(value: object) -> tuple[int, ...]:
    """The thread granted at each decision, written as the command prints it: ``"0 0 1 1 0"``."""
    if not isinstance(value, str) or len(value) > 2 * MAX_SCHEDULE_LENGTH:
        raise ValueError(f"schedule must be a string of at most {MAX_SCHEDULE_LENGTH:,} thread indices")
    items = value.split()
    if not all(len(item) == 1 and "0" <= item < str(MAX_THREADS) for item in items):
        raise ValueError(f"schedule entries must be thread indices from 0 to {MAX_THREADS - 1}")
    return tuple(int(item) for item in items)
