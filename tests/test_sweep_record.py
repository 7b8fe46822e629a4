"""The sweep's JSON layout: read back as written, versioned, and refused with a reason when wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import pysgxalloc as sgx
from pysgxalloc.hammer_settings import parse_engine
from pysgxalloc.machine import usable_cpus
from pysgxalloc.sweep_record import SCHEMA, VERSION, Measurement, RecordError, SweepConfig, SweepRecord

CONFIG = SweepConfig(
    strategies=("atomic", "plain_node_lock"), threads=(1, 2), engines=("native", "python"), repeats=2
)


def small_record() -> SweepRecord:
    record = SweepRecord.start(CONFIG)
    for spec in CONFIG.runs()[:5]:
        result = sgx.hammer(spec.strategy, threads=spec.threads, ops=1000, engine=parse_engine(spec.engine))
        record = record.adding(Measurement.of(result, spec.repeat))
    return record.finished(complete=False)


def as_json(record: SweepRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(record.to_dict()))
    return data


def test_runs_go_round_robin_with_the_repeat_outermost() -> None:
    runs = CONFIG.runs()
    assert len(runs) == 2 * 2 * 2 * 2
    assert [str(r) for r in runs[:4]] == [
        "atomic x1 native #1",
        "atomic x1 python #1",
        "plain_node_lock x1 native #1",
        "plain_node_lock x1 python #1",
    ]
    assert {r.repeat for r in runs[:8]} == {0} and {r.repeat for r in runs[8:]} == {1}


def test_a_record_reads_back_exactly_as_it_was_written(tmp_path: Path) -> None:
    record = small_record()
    path = tmp_path / "sweep.json"
    record.save(path)
    assert SweepRecord.load(path) == record
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.json"]  # no partial file left behind


def test_the_file_names_its_schema_version_and_machine() -> None:
    data = as_json(small_record())
    assert (data["schema"], data["version"], data["complete"]) == (SCHEMA, VERSION, False)
    assert set(data["machine"]) >= {"hostname", "cpus", "platform"}
    assert data["machine"]["cpus"] >= 1
    assert len(data["measurements"]) == 5


def test_measurements_group_by_setting_in_the_order_reports_list_strategies() -> None:
    groups = small_record().groups()
    assert [(g.setting.strategy, g.setting.engine, g.setting.threads, g.runs) for g in groups] == [
        ("plain_node_lock", "native", 1, 1),
        ("plain_node_lock", "python", 1, 1),
        ("atomic", "native", 1, 1),
        ("atomic", "native", 2, 1),
        ("atomic", "python", 1, 1),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="something.else"), "not a pysgxalloc sweep"),
        (lambda d: d.update(version=VERSION + 1), f"version {VERSION + 1} is from a newer pysgxalloc"),
        (lambda d: d.update(version="1"), "version must be int"),
        (lambda d: d["machine"].pop("cpus"), "machine.cpus is missing"),
        (lambda d: d["config"].update(threads="1,2"), "config.threads must be a list"),
        (lambda d: d["config"]["threads"].append(True), "config.threads[2] must be int, got bool"),
        (lambda d: d["measurements"][3].update(drift=1.5), "measurements[3].drift must be int, got float"),
        (lambda d: d.update(measurements={}), "measurements must be a list"),
        (lambda d: d.update(machine=[]), "machine must be a JSON object"),
    ],
)
def test_a_wrong_file_is_refused_with_the_field_it_got_wrong(change: Any, message: str) -> None:
    data = as_json(small_record())
    change(data)
    with pytest.raises(RecordError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SweepRecord.from_dict(data)


def test_whole_numbers_read_as_floats_where_a_float_is_due() -> None:
    data = as_json(small_record())
    data["measurements"][0]["ops_per_sec"] = 12345
    assert SweepRecord.from_dict(data).measurements[0].ops_per_sec == 12345.0


def test_a_version_1_file_still_reads_with_the_new_fields_not_recorded() -> None:
    data = as_json(small_record())
    data["version"] = 1
    del data["summary"]
    for name in ("sockets", "cores", "threads_per_core", "numa_nodes", "kernel", "topology_source"):
        del data["machine"][name]
    for name in ("phased", "pin_where_threads_fit"):
        del data["config"][name]
    added = set(Measurement.__dataclass_fields__) - {
        *["strategy", "engine", "threads", "repeat", "total_ops", "wall_seconds", "ops_per_sec"],
        *["alloc_failures", "counter", "true_free", "drift", "oversubscribed", "exact"],
    }
    for entry in data["measurements"]:
        for name in added:
            del entry[name]
    record = SweepRecord.from_dict(data)
    assert record.machine.cores == 0 and record.machine.numa_nodes == ()
    assert all(m.running_fraction is None and m.lost_per_million is None for m in record.measurements)
    assert all(g.running_fraction is None for g in record.groups())


def record_of(runs: int) -> SweepRecord:
    """`runs` runs of one setting (atomic, 2 threads)."""
    config = SweepConfig(strategies=("atomic",), threads=(2,), repeats=runs)
    record = SweepRecord.start(config)
    for spec in config.runs():
        record = record.adding(Measurement.of(sgx.hammer("atomic", threads=2, ops=1000), spec.repeat))
    return record.finished(complete=True)


def test_the_file_gives_95_percent_intervals_from_six_runs_and_says_so() -> None:
    (entry,) = as_json(record_of(6))["summary"]
    assert entry["ci95_from_runs"] == 6
    for name in ("mops_median", "abs_drift_median", "drifted_share"):
        low, high = entry[f"{name}_ci95"]
        assert low <= entry[name] <= high, (name, entry)


def test_below_six_runs_the_file_gives_each_interval_its_real_coverage_and_no_ci95() -> None:
    (entry,) = as_json(record_of(3))["summary"]
    assert not [key for key in entry if key.endswith("_ci95")]
    interval = entry["mops_median_interval"]
    assert interval["coverage"] == 0.75  # the range of 3 runs covers the median 1 - 2 / 2**3 of the time
    assert interval["low"] <= entry["mops_median"] <= interval["high"]
    assert "drifted_share_interval" not in entry  # a share gets no interval below 6 runs


def test_a_record_of_single_runs_labels_no_interval_95_percent() -> None:
    summary = as_json(small_record())["summary"]
    assert len(summary) == len(small_record().groups())
    for entry in summary:
        assert entry["runs"] == 1
        assert not [key for key in entry if key.endswith("_ci95") or key.endswith("_interval")], entry


def test_each_measurement_records_cpu_time_load_and_pinning() -> None:
    data = as_json(small_record())
    for entry in data["measurements"]:
        assert len(entry["running_fraction"]) == entry["threads"]
        assert entry["running_fraction_min"] == min(entry["running_fraction"])
        assert entry["load_before"] is None or entry["load_before"] >= 0
        assert isinstance(entry["pin"], bool)


def test_a_sweep_pins_by_default_only_the_runs_whose_threads_fit_the_cpus() -> None:
    config = SweepConfig(strategies=("atomic",), threads=(1,), pin_where_threads_fit=True)
    cpus = usable_cpus()
    assert config.settings_for(1, "native").pin
    assert not config.settings_for(4 * cpus, "native").pin
