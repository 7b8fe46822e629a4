"""The sweep's JSON layout: read back as written, versioned, and refused with a reason when wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import pysgxalloc as sgx
from pysgxalloc.hammer import parse_engine
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
