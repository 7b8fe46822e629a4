"""Result files from any machine, read into run groups: sweep records (JSON or CSV) and pytest-benchmark JSON.

pytest-benchmark files are read through the ``extra_info`` our benchmarks record
(strategy, engine, threads, work, cpus, ops_per_sec measured in C++, drift; see
bench/conftest.py), not through pytest-benchmark's own timings, which include
starting and joining the threads. The read-cost and reclaim benchmarks become
rows of their own (`ReadCostRow`, `ReclaimRow`). Benchmarks without any of those
figures (other suites in the same file) are counted and skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pysgxalloc.hammer_runs import HammerRuns, Run, Setting, group_runs, in_report_order
from pysgxalloc.input_file import InputFileError, read_csv, read_json_as
from pysgxalloc.machine import MachineInfo
from pysgxalloc.strategy import is_exact, known_strategy
from pysgxalloc.sweep_record import (
    MAX_MAGNITUDE,
    SCHEMA,
    RecordError,
    SweepRecord,
    checked_number,
    checked_threads,
)


class ResultFileError(ValueError):
    """A file `report` cannot read; the message says which file and why."""


@dataclass(frozen=True)
class ReadCostRow:
    """One read-cost benchmark (bench/test_read_cost.py): medians over its timed rounds."""

    strategy: str
    read: str  #: "cheap" or "exact"
    threads: int  #: writers plus the reader
    oversubscribed: bool
    ns_per_read: float
    writer_mops: float  #: the writers' Mops/s while the reader ran

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.strategy, self.read, self.threads)


@dataclass(frozen=True)
class ReclaimRow:
    """One reclaim benchmark (bench/test_reclaim_benchmark.py): median time to complete a scenario."""

    strategy: str
    threads: int  #: fault workers
    oversubscribed: bool
    runs: int
    elapsed_ms: float

    @property
    def key(self) -> tuple[str, int]:
        return (self.strategy, self.threads)


@dataclass(frozen=True, eq=False)
class ResultFile:
    """One file's results: the machine they came from, its run groups and its other benchmarks."""

    path: Path
    kind: str  #: "sweep", "sweep CSV" or "pytest-benchmark"
    machine: MachineInfo
    created: str
    groups: tuple[HammerRuns, ...]
    notes: tuple[str, ...]  #: what a reader should know: an interrupted sweep, skipped benchmarks
    read_costs: tuple[ReadCostRow, ...] = ()
    reclaims: tuple[ReclaimRow, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.groups or self.read_costs or self.reclaims)

    @property
    def oversubscribed(self) -> bool:
        """Some result here had more threads than the machine's usable CPUs."""
        rows: tuple[HammerRuns | ReadCostRow | ReclaimRow, ...] = (
            *self.groups,
            *self.read_costs,
            *self.reclaims,
        )
        return any(row.oversubscribed for row in rows)


def read_result_file(path: Path) -> ResultFile:
    if path.suffix.lower() == ".csv":
        return _from_sweep_csv(path)
    data = read_json_as(ResultFileError, path)
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
    read_costs: list[ReadCostRow] = []
    reclaims: list[ReclaimRow] = []
    cpus: int | None = None
    skipped: list[str] = []
    for benchmark in benchmarks:
        extra = benchmark.get("extra_info", {}) if isinstance(benchmark, Mapping) else {}
        name = str(benchmark.get("name", "?")) if isinstance(benchmark, Mapping) else "?"
        if not isinstance(extra, Mapping):
            extra = {}
        params = benchmark.get("params") if isinstance(benchmark, Mapping) else None
        try:
            found = _hammer_runs(extra)
        except RecordError as error:
            raise ResultFileError(f"{path}: benchmark {name[:80]!r}: {error}") from None
        if found is not None:
            runs.extend(found)
        elif (read_cost := _read_cost_row(extra, params)) is not None:
            read_costs.append(read_cost)
        elif (reclaim := _reclaim_row(extra)) is not None:
            reclaims.append(reclaim)
        else:
            skipped.append(name)
            continue
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
        notes.append(f"skipped {len(skipped)} benchmarks without pysgxalloc figures ({_by_test(skipped)})")
    if not (runs or read_costs or reclaims):
        notes.append("no pysgxalloc benchmarks in this file")
    groups = in_report_order(group_runs(runs, machine.cpus))
    return ResultFile(
        path,
        "pytest-benchmark",
        machine,
        str(data.get("datetime", "")),
        tuple(groups),
        tuple(notes),
        tuple(read_costs),
        tuple(reclaims),
    )


def _by_test(names: Sequence[str], shown: int = 3) -> str:
    """Benchmark names by test function, each once with its count: "test_a x16, test_b, ..."."""
    counts = Counter(name.partition("[")[0] for name in names)
    parts = [f"{test} x{count}" if count > 1 else test for test, count in counts.items()]
    return ", ".join(parts[:shown]) + (", ..." if len(parts) > shown else "")


def _read_cost_row(extra: Mapping[str, object], params: object) -> ReadCostRow | None:
    """bench/test_read_cost.py's figures, or None when `extra` is not one of its benchmarks.

    Files from before the read-cost benchmarks recorded their setting in ``extra_info`` hold it
    in pytest's ``params`` (strategy, exact_read) and ``writers`` instead.
    """
    strategy, read, threads = extra.get("strategy"), extra.get("read"), _count(extra.get("threads"))
    writers = extra.get("writers")
    if (
        strategy is None
        and isinstance(params, Mapping)
        and isinstance(writers, int)
        and not isinstance(writers, bool)
    ):
        strategy, threads = params.get("strategy"), _count(writers + 1)
        exact_read = params.get("exact_read")
        read = ("exact" if exact_read else "cheap") if isinstance(exact_read, bool) else None
    ns, mops = _number(extra.get("ns_per_read_median")), _number(extra.get("writer_mops_median"))
    if not (isinstance(strategy, str) and isinstance(read, str) and threads is not None):
        return None
    if read not in ("cheap", "exact") or ns is None or mops is None:
        return None
    return ReadCostRow(strategy, read, threads, extra.get("oversubscribed") is True, ns, mops)


def _reclaim_row(extra: Mapping[str, object]) -> ReclaimRow | None:
    """bench/test_reclaim_benchmark.py's figures, or None when `extra` is not one of its benchmarks."""
    strategy, threads, runs = extra.get("strategy"), _count(extra.get("threads")), _count(extra.get("runs"))
    elapsed = _number(extra.get("elapsed_seconds_median"))
    if not (isinstance(strategy, str) and threads is not None and runs is not None):
        return None
    if elapsed is None:
        return None
    return ReclaimRow(strategy, threads, extra.get("oversubscribed") is True, runs, 1e3 * elapsed)


def _number(value: object) -> float | None:
    """`value` as a float when it is a JSON number (not a bool) within +-2**53, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= MAX_MAGNITUDE:
        return float(value)
    return None


#: The columns of ``sweep --csv`` that report needs (SweepRecord.save_csv writes them).
_CSV_COLUMNS = ("hostname", "cpus", "strategy", "engine", "threads", "work", "ops_per_sec", "drift", "exact")


def _from_sweep_csv(path: Path) -> ResultFile:
    """``sweep --csv``'s file: the same runs as its JSON, with only the host and CPU count of the machine.

    Read by input_file.py like a JSON file (a regular file, within its byte limit, a spreadsheet's
    BOM accepted), and every number checked as the JSON's are (finite, within +-2**53, thread
    counts within what a run accepts)."""
    try:
        rows = read_csv(path)
    except OSError as error:
        raise ResultFileError(f"cannot read {path}: {error.strerror or error}") from None
    except InputFileError as error:
        raise ResultFileError(f"{path} {error}") from None
    if not rows:
        raise ResultFileError(f"{path} holds no rows: not a pysgxalloc sweep CSV (--csv)")
    missing = [column for column in _CSV_COLUMNS if column not in rows[0]]
    if missing:
        raise ResultFileError(f"{path} is not a pysgxalloc sweep CSV (--csv): no column {', '.join(missing)}")
    try:
        runs = [_csv_run(row, f"line {number:,}") for number, row in enumerate(rows, start=2)]
        cpus = int(_csv_number(rows[0], "cpus", "line 2", integer=True))
        if cpus < 1:
            raise RecordError(f"line 2: cpus must be at least 1, got {cpus:,}")
    except RecordError as error:
        raise ResultFileError(f"{path}: {error}") from None
    machine = MachineInfo(
        hostname=rows[0]["hostname"], cpus=cpus, cpu_count=cpus, platform="", processor="", python=""
    )
    groups = in_report_order(group_runs(runs, cpus))
    return ResultFile(path, "sweep CSV", machine, "", tuple(groups), ())


def _csv_run(row: Mapping[str, str], where: str) -> Run:
    """One row of a sweep CSV as a run; RecordError naming the line and column of a bad number."""
    threads = int(_csv_number(row, "threads", where, integer=True))
    checked_threads(f"{where}: threads", threads)
    work = int(_csv_number(row, "work", where, integer=True))
    rate = _csv_number(row, "ops_per_sec", where, integer=False)
    if work < 0 or rate < 0:
        name, value = ("work", work) if work < 0 else ("ops_per_sec", rate)
        raise RecordError(f"{where}: {name} must not be negative, got {value:g}")
    setting = Setting(row["strategy"], row["engine"], threads, work)
    return Run(setting, rate, int(_csv_number(row, "drift", where, integer=True)), row["exact"] == "True")


def _csv_number(row: Mapping[str, str], column: str, where: str, *, integer: bool) -> float:
    """A CSV cell as a number within +-2**53 (an int where `integer`), or RecordError saying why not."""
    text = row[column].strip()
    try:
        value: float = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise RecordError(f"{where}: {column} must be {kind}, got {text[:40]!r}") from None
    return checked_number(f"{where}: {column}", value)


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
    checked_threads("threads", threads)
    for name, value in (
        ("work", work),
        *(("ops_per_sec", v) for v in rates),
        *(("drift", v) for v in drifts),
    ):
        checked_number(name, value)
    if len(drifts) != len(rates):
        drifts = [drifts[-1] if drifts else 0] * len(rates)
    exact = extra.get("exact")
    if not isinstance(exact, bool):
        exact = is_exact(strategy) if known_strategy(strategy) is not None else None
    setting = Setting(strategy, engine, threads, work)
    running = _per_run(extra.get("running_fraction_runs"), len(rates))
    cpu_ns = _per_run(extra.get("cpu_ns_per_op_runs"), len(rates))
    pinned = extra.get("pinned")
    return [
        Run(
            setting,
            rate,
            int(drift),
            exact,
            running_fraction_min=running[index],
            cpu_ns_per_op=cpu_ns[index],
            pin=pinned if isinstance(pinned, bool) else None,
        )
        for index, (rate, drift) in enumerate(zip(rates, drifts, strict=True))
    ]


def _per_run(values: object, runs: int) -> list[float | None]:
    """One figure per run where the benchmark recorded one for each (newer suites); else None each."""
    found = _numbers(values)
    return list(found) if len(found) == runs else [None] * runs


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
