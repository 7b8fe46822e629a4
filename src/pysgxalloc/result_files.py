"""Result files from any machine, read into run groups: sweep records and pytest-benchmark JSON.

pytest-benchmark files are read through the ``extra_info`` our benchmarks record
(strategy, engine, threads, work, cpus, ops_per_sec measured in C++, drift; see
bench/conftest.py), not through pytest-benchmark's own timings, which include
starting and joining the threads. Benchmarks without those figures (other
suites in the same file) are counted and skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pysgxalloc.hammer_runs import HammerRuns, Run, Setting, group_runs, in_report_order
from pysgxalloc.json_file import JsonFileError, read_json
from pysgxalloc.machine import MachineInfo
from pysgxalloc.strategy import STRATEGIES, is_exact
from pysgxalloc.sweep_record import MAX_MAGNITUDE, SCHEMA, RecordError, SweepRecord, checked_number

_KNOWN = {s.name for s in STRATEGIES}


class ResultFileError(ValueError):
    """A file `report` cannot read; the message says which file and why."""


@dataclass(frozen=True, eq=False)
class ResultFile:
    """One file's results: the machine they came from and its run groups."""

    path: Path
    kind: str  #: "sweep" or "pytest-benchmark"
    machine: MachineInfo
    created: str
    groups: tuple[HammerRuns, ...]
    notes: tuple[str, ...]  #: what a reader should know: an interrupted sweep, skipped benchmarks


def read_result_file(path: Path) -> ResultFile:
    try:
        data = read_json(path)
    except OSError as error:
        raise ResultFileError(f"cannot read {path}: {error.strerror or error}") from None
    except JsonFileError as error:
        raise ResultFileError(f"{path} {error}") from None
    if isinstance(data, Mapping) and data.get("schema") == SCHEMA:
        return _from_sweep(path, data)
    if isinstance(data, Mapping) and "benchmarks" in data and "machine_info" in data:
        return _from_pytest_benchmark(path, data)
    raise ResultFileError(
        f"{path} is neither a pysgxalloc sweep (--json) nor pytest-benchmark JSON (--benchmark-json)"
    )


def _from_sweep(path: Path, data: Mapping[str, object]) -> ResultFile:
    try:
        record = SweepRecord.from_dict(data)
    except RecordError as error:
        raise ResultFileError(f"{path}: {error}") from None
    notes = []
    if not record.complete:
        planned = record.config.run_count
        notes.append(f"interrupted sweep: {len(record.measurements)} of {planned} runs")
    return ResultFile(path, "sweep", record.machine, record.created, tuple(record.groups()), tuple(notes))


def _from_pytest_benchmark(path: Path, data: Mapping[str, object]) -> ResultFile:
    info = data["machine_info"]
    benchmarks = data["benchmarks"]
    if not isinstance(info, Mapping) or not isinstance(benchmarks, list):
        raise ResultFileError(f"{path}: machine_info must be an object and benchmarks a list")
    runs: list[Run] = []
    cpus: int | None = None
    skipped: list[str] = []
    for benchmark in benchmarks:
        extra = benchmark.get("extra_info", {}) if isinstance(benchmark, Mapping) else {}
        name = str(benchmark.get("name", "?")) if isinstance(benchmark, Mapping) else "?"
        try:
            found = _hammer_runs(extra)
        except RecordError as error:
            raise ResultFileError(f"{path}: benchmark {name[:80]!r}: {error}") from None
        if found is None:
            skipped.append(name)
            continue
        runs.extend(found)
        if cpus is None:
            cpus = _count(extra.get("cpus"))
    cpu = info.get("cpu")
    if not isinstance(cpu, Mapping):
        cpu = {}
    cpu_count = _count(cpu.get("count")) or 0
    machine = MachineInfo(
        hostname=str(info.get("node", "")),
        cpus=cpus if cpus is not None else cpu_count,
        cpu_count=cpu_count,
        platform="-".join(str(info.get(key, "")) for key in ("system", "release", "machine")),
        processor=str(cpu.get("brand_raw") or info.get("processor", "")),
        python=str(info.get("python_version", "")),
    )
    notes = []
    if skipped:
        shown = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
        notes.append(f"skipped {len(skipped)} benchmarks without hammer figures ({shown})")
    if not runs:
        notes.append("no hammer benchmarks in this file")
    groups = in_report_order(group_runs(runs, machine.cpus))
    return ResultFile(
        path, "pytest-benchmark", machine, str(data.get("datetime", "")), tuple(groups), tuple(notes)
    )


def _hammer_runs(extra: object) -> list[Run] | None:
    """The runs one benchmark recorded, or None when it is not one of ours.

    RecordError when it is ours but holds a number no run can have: a bool for a
    count (JSON's true is no thread count), NaN, an infinity, or beyond +-2**53.
    """
    if not isinstance(extra, Mapping):
        return None
    strategy, engine, threads = extra.get("strategy"), extra.get("engine"), extra.get("threads")
    work = extra.get("work", 0)
    if not (isinstance(strategy, str) and isinstance(engine, str) and _is_int(threads) and _is_int(work)):
        return None
    assert isinstance(threads, int) and isinstance(work, int)  # for mypy: _is_int checked them
    rates = _numbers(extra.get("ops_per_sec_runs")) or _numbers([extra.get("ops_per_sec")])
    drifts = _numbers(extra.get("drift_runs")) or _numbers([extra.get("drift")])
    if not rates:
        return None
    for name, value in (
        ("threads", threads),
        ("work", work),
        *(("ops_per_sec", v) for v in rates),
        *(("drift", v) for v in drifts),
    ):
        checked_number(name, value)
    if len(drifts) != len(rates):
        drifts = [drifts[-1] if drifts else 0] * len(rates)
    exact = extra.get("exact")
    if not isinstance(exact, bool):
        exact = is_exact(strategy) if strategy in _KNOWN else None
    setting = Setting(strategy, engine, threads, work)
    return [Run(setting, rate, int(drift), exact) for rate, drift in zip(rates, drifts, strict=True)]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: object) -> int | None:
    """`value` if it is a CPU count (an int from 1 to 2**53, never a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_MAGNITUDE:
        return value
    return None


def _numbers(values: object) -> list[float]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        return []
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return []
    return [float(v) if isinstance(v, float) else v for v in values]
