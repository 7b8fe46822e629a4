"""The sweep's JSON file, defined once: what a sweep asked for, where it ran, and every run it measured.

Layout (``SCHEMA``, version ``VERSION``)::

    {"schema": "pysgxalloc.sweep", "version": 2, "created": ISO-8601 time,
     "complete": false when Ctrl-C or a crash cut the sweep short,
     "pysgxalloc": package version,
     "machine": {hostname, cpus, cpu_count, platform, processor, python,
                 sockets, cores, threads_per_core, numa_nodes, kernel, topology_source},
     "config": {strategies, threads, engines, repeats, then every HammerSettings field but
                threads and engine (each run's own): nodes, pages_per_node, ops, batch, ...,
                pin_where_threads_fit},
     "measurements": [{strategy, engine, threads, repeat, total_ops, wall_seconds,
                       ops_per_sec, alloc_failures, counter, true_free, drift,
                       oversubscribed, exact, pin, phased, exact_drift, running_fraction,
                       running_fraction_min, cpu_ns_per_op, lost_decrements,
                       lost_increments, lost_per_million, load_before, load_after}, ...],
     "summary": [one object per setting: medians with "<name>_ci95": [low, high]
                 (order-statistic intervals) where they are 95% intervals (from
                 "ci95_from_runs" runs), else "<name>_interval": {low, high, coverage};
                 shares with Wilson "_ci95" from as many runs; written for readers
                 of the file, recomputed from the measurements on reading]}

Version 1 (no topology, no phased runs, no CPU times or load) is still read: its
missing fields read as "not recorded". A reader refuses other schemas and newer
versions with a `RecordError` that says which field is wrong; adding a field means
raising `VERSION` and reading the old layout too, but for a hammer setting: the config
holds every one (settings.py), and one a file lacks reads as its default, which is what
a run made before the setting existed ran with.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from types import UnionType
from typing import Any, BinaryIO, TypeVar, Union, get_args, get_origin, get_type_hints

from pysgxalloc._core import MAX_THREADS
from pysgxalloc._version import installed_version
from pysgxalloc.hammer import HammerResult
from pysgxalloc.hammer_runs import RUN_FIGURES, HammerRuns, Run, Setting, group_runs, in_report_order
from pysgxalloc.hammer_settings import HammerSettings, parse_engine
from pysgxalloc.input_file import read_json
from pysgxalloc.machine import MachineInfo, usable_cpus
from pysgxalloc.output_path import write_output
from pysgxalloc.settings import settings_fields, settings_from_dict, settings_row, settings_to_dict

SCHEMA = "pysgxalloc.sweep"
VERSION = 2
#: What version 2 added, and how a version-1 file reads without them: "not recorded".
_ADDED_IN_2: dict[str, dict[str, object]] = {
    "machine": {
        "sockets": 0,
        "cores": 0,
        "threads_per_core": 0,
        "numa_nodes": [],
        "kernel": "",
        "topology_source": "",
    },
    "config": {"phased": False, "pin_where_threads_fit": False},
    "measurement": {
        "pin": None,
        "phased": False,
        "exact_drift": None,
        "running_fraction": None,
        "running_fraction_min": None,
        "cpu_ns_per_op": None,
        "lost_decrements": None,
        "lost_increments": None,
        "lost_per_million": None,
        "load_before": None,
        "load_after": None,
    },
}

T = TypeVar("T")

#: The most runs one sweep may plan: far more than a day of runs, yet its plan and
#: its record (a few hundred bytes a run) stay megabytes, whatever --repeats or a file asks.
MAX_RUNS = 100_000
#: The largest magnitude a number in a record may have: 2**53, where floats stop
#: holding every integer; no count, rate or time of ours comes near it.
MAX_MAGNITUDE = 2**53


class RecordError(ValueError):
    """A file that is not a sweep record this version can read; the message names the bad field."""


#: The hammer settings each run of a sweep sets itself; the file's "config" holds every other one.
SWEPT_SETTINGS = ("threads", "engine")


@dataclass(frozen=True)
class SweepConfig:
    """What a sweep runs: every strategy x thread count x engine, `repeats` times, one hammer run each."""

    strategies: tuple[str, ...]
    threads: tuple[int, ...]
    engines: tuple[str, ...] = ("native",)
    repeats: int = 3
    #: Every run's settings, but for its threads and engine, which are the run's own (`settings_for`).
    settings: HammerSettings = field(default_factory=HammerSettings)
    #: Pin every run whose threads do not outnumber the usable CPUs (the sweep's default);
    #: `settings.pin` pins every run, wrapping round the CPUs.
    pin_where_threads_fit: bool = False

    def __post_init__(self) -> None:
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")
        if self.run_count > MAX_RUNS:
            raise ValueError(
                f"a sweep may plan at most {MAX_RUNS:,} runs, this one {self.run_count:,} "
                f"({len(self.strategies)} strategies x {len(self.threads)} thread counts x "
                f"{len(self.engines)} engines x {self.repeats} repeats)"
            )

    @property
    def run_count(self) -> int:
        """len(runs()), without building the list."""
        return self.repeats * len(self.threads) * len(self.strategies) * len(self.engines)

    def runs(self) -> list[RunSpec]:
        """Every run in the order a sweep makes them: repeat outermost, so noise spreads over all cells."""
        return [
            RunSpec(strategy, engine, threads, repeat)
            for repeat in range(self.repeats)
            for threads in self.threads
            for strategy in self.strategies
            for engine in self.engines
        ]

    def settings_for(self, threads: int, engine: str) -> HammerSettings:
        """The settings of a run at `threads` threads on `engine` (ValueError for an unknown engine)."""
        pin = self.settings.pin or (self.pin_where_threads_fit and threads <= usable_cpus())
        return replace(self.settings, threads=threads, engine=parse_engine(engine), pin=pin)

    def to_dict(self) -> dict[str, Any]:
        """The file's flat "config": the swept lists, then the shared settings."""
        return {
            "strategies": list(self.strategies),
            "threads": list(self.threads),
            "engines": list(self.engines),
            "repeats": self.repeats,
            **settings_to_dict(self.settings, leave_out=SWEPT_SETTINGS),
            "pin_where_threads_fit": self.pin_where_threads_fit,
        }

    @classmethod
    def from_dict(cls, data: object, path: str) -> SweepConfig:
        names = ("strategies", "threads", "engines", "repeats", "pin_where_threads_fit")
        swept = _fields(data, path, _hints(cls, names))
        assert isinstance(data, Mapping)  # _fields refused anything else
        try:
            shared = settings_from_dict(HammerSettings, data, where=f"{path}.", leave_out=SWEPT_SETTINGS)
        except (TypeError, ValueError) as error:
            raise RecordError(str(error)) from None
        counts = swept["threads"]
        assert isinstance(counts, tuple)  # _fields made the list a tuple of ints
        for index, threads in enumerate(counts):
            checked_threads(f"{path}.threads[{index}]", threads)
        try:
            return cls(**swept, settings=shared)  # type: ignore[arg-type]
        except ValueError as error:
            raise RecordError(f"{path}: {error}") from None


@dataclass(frozen=True)
class RunSpec:
    """One hammer run of a sweep."""

    strategy: str
    engine: str
    threads: int
    repeat: int

    def __str__(self) -> str:
        return f"{self.strategy} x{self.threads} {self.engine} #{self.repeat + 1}"


@dataclass(frozen=True)
class Measurement:
    """What one hammer run measured (all figures from the run itself, throughput timed in C++ or Python)."""

    strategy: str
    engine: str
    threads: int
    repeat: int
    total_ops: int
    wall_seconds: float
    ops_per_sec: float
    alloc_failures: int
    counter: int
    true_free: int
    drift: int
    oversubscribed: bool
    exact: bool
    # Version 2; None where a version-1 file did not record them.
    pin: bool | None = None
    phased: bool = False
    exact_drift: int | None = None
    running_fraction: tuple[float, ...] | None = None  #: per thread: CPU time / wall time
    running_fraction_min: float | None = None
    cpu_ns_per_op: float | None = None  #: all threads' CPU time per operation
    lost_decrements: int | None = None  #: phased runs only
    lost_increments: int | None = None  #: phased runs only
    lost_per_million: float | None = None  #: phased runs only
    load_before: float | None = None  #: 1-minute load average just before the run
    load_after: float | None = None  #: and just after it

    @classmethod
    def of(
        cls,
        result: HammerResult,
        repeat: int,
        load_before: float | None = None,
        load_after: float | None = None,
    ) -> Measurement:
        return cls(
            strategy=result.strategy.name,
            engine=result.engine,
            threads=result.threads,
            repeat=repeat,
            total_ops=result.total_ops,
            wall_seconds=result.wall_seconds,
            ops_per_sec=result.ops_per_sec,
            alloc_failures=result.alloc_failures,
            counter=result.counter,
            true_free=result.true_free,
            drift=result.drift,
            oversubscribed=result.oversubscribed,
            exact=result.exact,
            pin=result.pin,
            phased=result.phased,
            exact_drift=result.exact_drift,
            running_fraction=tuple(float(f) for f in result.running_fraction),
            running_fraction_min=result.min_running_fraction,
            cpu_ns_per_op=result.cpu_ns_per_op,
            lost_decrements=int(result.lost_decrements.sum()) if result.phased else None,
            lost_increments=int(result.lost_increments.sum()) if result.phased else None,
            lost_per_million=result.lost_per_million if result.phased else None,
            load_before=load_before,
            load_after=load_after,
        )

    def run(self, work: int) -> Run:
        """This measurement as the summaries read it."""
        setting = Setting(self.strategy, self.engine, self.threads, work)
        figures = {name: getattr(self, name) for name in RUN_FIGURES}
        return Run(setting, self.ops_per_sec, self.drift, self.exact, **figures)


@dataclass(frozen=True)
class SweepRecord:
    """A sweep's whole file: one machine, one config, the measurements made so far."""

    machine: MachineInfo
    config: SweepConfig
    measurements: tuple[Measurement, ...] = ()
    complete: bool = False
    created: str = ""
    package_version: str = ""

    @classmethod
    def start(cls, config: SweepConfig) -> SweepRecord:
        """An empty record for a sweep starting now on this machine."""
        version = installed_version()
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(MachineInfo.current(), config, created=created, package_version=version)

    def adding(self, measurement: Measurement) -> SweepRecord:
        return replace(self, measurements=(*self.measurements, measurement))

    def finished(self, complete: bool) -> SweepRecord:
        return replace(self, complete=complete)

    def groups(self) -> list[HammerRuns]:
        """The measurements grouped by setting, in report order."""
        work = self.config.settings.work
        runs = (m.run(work) for m in self.measurements)
        return in_report_order(group_runs(runs, self.machine.cpus))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "created": self.created,
            "complete": self.complete,
            "pysgxalloc": self.package_version,
            "machine": self.machine.to_dict(),
            "config": self.config.to_dict(),
            "measurements": [asdict(m) for m in self.measurements],
            "summary": [group.to_dict() for group in self.groups()],
        }

    @classmethod
    def from_dict(cls, data: object) -> SweepRecord:
        """Read a record; RecordError names the first field that is missing or of the wrong type."""
        if not isinstance(data, Mapping):
            raise RecordError(f"a sweep record is a JSON object, got {type(data).__name__}")
        if data.get("schema") != SCHEMA:
            raise RecordError(f"schema is {data.get('schema')!r}, not {SCHEMA!r}: not a pysgxalloc sweep")
        version = _checked("version", data.get("version"), int)
        if version > VERSION:
            raise RecordError(f"version {version} is from a newer pysgxalloc; this one reads {VERSION}")
        old = version < 2
        return cls(
            machine=_build(MachineInfo, _upgraded(data.get("machine"), "machine", old), "machine"),
            config=SweepConfig.from_dict(_upgraded(data.get("config"), "config", old), "config"),
            measurements=tuple(
                _measurement(_upgraded(entry, "measurement", old), f"measurements[{index}]")
                for index, entry in enumerate(_list(data, "measurements"))
            ),
            complete=_checked("complete", data.get("complete"), bool),
            created=_checked("created", data.get("created"), str),
            package_version=_checked("pysgxalloc", data.get("pysgxalloc"), str),
        )

    def save(self, path: Path) -> None:
        """Write the JSON to `path` (output_path.py): atomically for a file, a reader (or a crash)
        never sees half of one; through for a device or a FIFO; a socket or a folder refused."""
        write_output(path, self.write_json)

    def write_json(self, out: BinaryIO) -> None:
        """The record as JSON into an open binary file."""
        out.write((json.dumps(self.to_dict(), indent=1) + "\n").encode())

    @classmethod
    def load(cls, path: Path) -> SweepRecord:
        """Read a record within report's bounds (input_file.py); RecordError or InputFileError if none."""
        return cls.from_dict(read_json(path))

    def save_csv(self, path: Path) -> None:
        """One row per measurement, for spreadsheets: written the way `save` writes the JSON."""
        write_output(path, self.write_csv)

    def write_csv(self, out: BinaryIO) -> None:
        """One row per measurement, with the machine and the settings beside it, into an open binary file."""
        machine = {"hostname": self.machine.hostname, "cpus": self.machine.cpus}
        # Every shared setting a column, but those each measurement records itself (pin, phased).
        shared = settings_row(self.config.settings, leave_out=(*SWEPT_SETTINGS, *_MEASURED_SETTINGS))
        # One value a cell: the per-thread lists stay in the JSON.
        columns = [f.name for f in fields(Measurement) if f.name not in _LIST_FIELDS]
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        try:
            writer = csv.DictWriter(text, fieldnames=[*machine, *shared, *columns])
            writer.writeheader()
            for measurement in self.measurements:
                values = asdict(measurement)
                writer.writerow({**machine, **shared, **{name: values[name] for name in columns}})
            text.flush()
        finally:
            text.detach()  # the caller's file stays open: closing it is its writer's job


_LIST_FIELDS = frozenset({"running_fraction"})
#: The hammer settings a measurement records per run, so the CSV's shared columns leave them out.
_MEASURED_SETTINGS = tuple(
    item.name for item in settings_fields(HammerSettings) if item.name in Measurement.__dataclass_fields__
)


def _measurement(data: object, path: str) -> Measurement:
    """One measurement from a file, its thread count checked like a run's."""
    measurement = _build(Measurement, data, path)
    checked_threads(f"{path}.threads", measurement.threads)
    return measurement


def _upgraded(data: object, part: str, old: bool) -> object:
    """A version-1 object with version 2's fields added as "not recorded"; others unchanged."""
    if not old or not isinstance(data, Mapping):
        return data
    return {**_ADDED_IN_2[part], **data}


def _build(cls: type[T], data: object, path: str) -> T:
    """An instance of the dataclass `cls` from a JSON object, each field checked against its annotation."""
    names = tuple(field.name for field in fields(cls))  # type: ignore[arg-type]
    return cls(**_fields(data, path, _hints(cls, names)))


def _hints(cls: type, names: tuple[str, ...]) -> dict[str, Any]:
    """The annotations of `names` among `cls`'s fields."""
    hints = get_type_hints(cls)
    return {name: hints[name] for name in names}


def _fields(data: object, path: str, hints: dict[str, Any]) -> dict[str, object]:
    """The fields `hints` names from a JSON object, each checked against its annotation."""
    if not isinstance(data, Mapping):
        raise RecordError(f"{path} must be a JSON object, got {type(data).__name__}")
    values: dict[str, object] = {}
    for name, kind in hints.items():
        where = f"{path}.{name}"
        if name not in data:
            raise RecordError(f"{where} is missing")
        value = data[name]
        if _optional(kind) is not None:  # X | None: null, or an X
            if value is None:
                values[name] = None
                continue
            kind = _optional(kind)
        if get_origin(kind) is tuple:  # tuple[X, ...]: a JSON list of X
            items = data[name]
            if not isinstance(items, (list, tuple)):
                raise RecordError(f"{where} must be a list, got {type(items).__name__}")
            of = get_args(kind)[0]
            values[name] = tuple(_checked(f"{where}[{n}]", item, of) for n, item in enumerate(items))
        else:
            values[name] = _checked(where, data[name], kind)
    return values


def _optional(kind: Any) -> Any:
    """X for an annotation X | None, else None."""
    if get_origin(kind) in (Union, UnionType):
        others = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(others) == 1 and len(get_args(kind)) == 2:
            return others[0]
    return None


def _list(data: Mapping[str, object], name: str) -> list[object]:
    value = data.get(name)
    if not isinstance(value, list):
        raise RecordError(f"{name} must be a list, got {type(value).__name__}")
    return value


def _checked(where: str, value: object, kind: type[T]) -> T:
    # JSON has one number type: an int is a valid float; a bool is not a valid int.
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(checked_number(where, value))
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            checked_number(where, value)
        return value
    raise RecordError(f"{where} must be {kind.__name__}, got {type(value).__name__} {_shown(value)}")


def checked_number(where: str, value: float) -> float:
    """`value` if finite and within MAX_MAGNITUDE; RecordError otherwise (10**30 would overflow a count)."""
    if not -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # False for NaN too
        raise RecordError(f"{where} must lie within +-2**53, got {_shown(value)}")
    return value


def checked_threads(where: str, value: int) -> int:
    """`value` if it is a thread count a run accepts (1 to MAX_THREADS); RecordError otherwise."""
    if not 1 <= value <= MAX_THREADS:
        raise RecordError(f"{where} must be a thread count from 1 to {MAX_THREADS:,}, got {_shown(value)}")
    return value


def _shown(value: object) -> str:
    """repr(value), cut short: a file's value may be megabytes long."""
    text = (
        repr(value)
        if not isinstance(value, int) or abs(value) < 10**100
        else f"an int of {value.bit_length()} bits"
    )
    return text if len(text) <= 80 else text[:77] + "..."
