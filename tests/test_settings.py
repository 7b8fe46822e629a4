"""Settings types: each setting defined once, and the function, its help, the core's config, the
files and the command line all made from that one definition."""

from __future__ import annotations

import csv
import dataclasses
import inspect
import io
import json
from collections.abc import Callable
from typing import Any

import pytest

import pysgxalloc as sgx
from pysgxalloc import _core
from pysgxalloc.cli.arguments import Parser
from pysgxalloc.cli.commands import sweep
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.explore import _native_config as explore_config
from pysgxalloc.hammer import check_hammer_settings
from pysgxalloc.settings import (
    Setting,
    flag,
    integer,
    keyword_function,
    native_fields,
    settings_fields,
    settings_from_dict,
    settings_row,
    settings_to_dict,
)
from pysgxalloc.strategy import StrategyLike
from pysgxalloc.sweep_record import SWEPT_SETTINGS, SweepConfig, SweepRecord

#: Every public run, its settings type, and the core's configuration its settings fill.
RUNS: list[tuple[Callable[..., Any], type, Callable[[], Any]]] = [
    (sgx.hammer, sgx.HammerSettings, _core.HammerConfig),
    (sgx.reclaim_scenario, sgx.ReclaimSettings, _core.ReclaimConfig),
    (sgx.explore, sgx.ExploreSettings, _core.ExploreConfig),
    (sgx.explore_hang, sgx.HangSettings, _core.ExploreConfig),
    (sgx.read_cost, sgx.ReadCostSettings, _core.ReadCostConfig),
    (sgx.paused_update, sgx.PausedUpdateSettings, _core.PausedUpdateConfig),
]
RUN_IDS = [function.__name__ for function, _, _ in RUNS]
#: Where a Python default differs from the core config's, on purpose: the hang search's are scaled
#: down to its reduced scenario, and its enclave of None is the core's 0 (twice the EPC) anyway.
OWN_DEFAULTS = {
    (sgx.HangSettings, "pages_per_node"),
    (sgx.HangSettings, "preemption_bound"),
    # The hang search runs every schedule by default: under its bound DPOR saves little (docs/explorer.md).
    (sgx.HangSettings, "reduction"),
}


@pytest.mark.parametrize(("function", "settings_type", "config"), RUNS, ids=RUN_IDS)
def test_the_function_takes_the_strategy_then_every_setting_with_its_default(
    function: Callable[..., Any], settings_type: type, config: Callable[[], Any]
) -> None:
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters[0].name == "strategy"
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_ONLY
    fields = settings_fields(settings_type)
    assert [p.name for p in parameters[1:]] == [item.name for item in fields]
    assert [p.default for p in parameters[1:]] == [item.default for item in fields]
    assert [p.default for p in parameters[1:]] == [
        p.default for p in inspect.signature(settings_type).parameters.values()
    ]


@pytest.mark.parametrize(("function", "settings_type", "config"), RUNS, ids=RUN_IDS)
def test_the_functions_help_lists_every_setting_with_its_help(
    function: Callable[..., Any], settings_type: type, config: Callable[[], Any]
) -> None:
    doc = function.__doc__ or ""
    for item in settings_fields(settings_type):
        assert item.help, f"{settings_type.__name__}.{item.name} has no help"
        assert f"- ``{item.name}`` (default ``{item.shown_default()}``" in doc
        assert item.help in doc


@pytest.mark.parametrize(("function", "settings_type", "config"), RUNS, ids=RUN_IDS)
def test_every_default_is_the_cores_own_but_where_the_settings_say_otherwise(
    function: Callable[..., Any], settings_type: type, config: Callable[[], Any]
) -> None:
    core = config()
    names = {item.core_name: item.name for item in settings_fields(settings_type)}
    for core_name, value in native_fields(settings_type()).items():
        if (settings_type, names[core_name]) not in OWN_DEFAULTS:
            assert value == getattr(core, core_name), f"{settings_type.__name__}.{names[core_name]}"


def test_every_core_field_the_settings_name_exists_in_the_cores_config() -> None:
    for _, settings_type, config in RUNS:
        core = config()
        for item in settings_fields(settings_type):
            if item.core_name is not None:
                assert hasattr(core, item.core_name), f"{settings_type.__name__}.{item.name}"


# The lowest value the command line takes is the core's too: one less is refused, naming the setting.
BELOW_LOW = [
    (settings_type, item.name)
    for _, settings_type, _ in RUNS
    for item in settings_fields(settings_type)
    if item.low is not None and item.core_name is not None and not item.checked_here
]


def refuse(settings_type: type, settings: Any) -> None:
    """The core's own range check of `settings`, run as the run itself would start."""
    if settings_type is sgx.HammerSettings:
        check_hammer_settings(settings)
    elif settings_type is sgx.ReclaimSettings:
        _core.reclaim(sgx.Strategy.atomic, _core_config(_core.ReclaimConfig, settings))
    elif settings_type in (sgx.ExploreSettings, sgx.HangSettings):
        _core.explore(sgx.Strategy.atomic, explore_config(settings))
    elif settings_type is sgx.ReadCostSettings:
        _core.read_cost(sgx.Strategy.atomic, _core_config(_core.ReadCostConfig, settings))
    else:
        _core.paused_update(sgx.Strategy.atomic, _core_config(_core.PausedUpdateConfig, settings))


def _core_config(config: Callable[[], Any], settings: Any) -> Any:
    made = config()
    fields = settings.native_fields() if hasattr(settings, "native_fields") else native_fields(settings)
    for name, value in fields.items():
        setattr(made, name, value)
    return made


@pytest.mark.parametrize(
    ("settings_type", "name"), BELOW_LOW, ids=[f"{t.__name__}.{n}" for t, n in BELOW_LOW]
)
def test_one_below_a_settings_least_value_is_refused_by_the_core(settings_type: type, name: str) -> None:
    item = next(item for item in settings_fields(settings_type) if item.name == name)
    settings = settings_type(**{name: int(item.low) - 1})  # type: ignore[arg-type]
    # The core names its field, but the hang search's threads, which it calls workers as the caller does.
    named = "workers" if (settings_type, name) == (sgx.HangSettings, "workers") else item.core_name
    with pytest.raises(ValueError, match=named):
        refuse(settings_type, settings)


def test_a_setting_checked_here_is_refused_when_the_settings_are_built() -> None:
    with pytest.raises(ValueError, match="enclave_pages must be at least 1, got 0"):
        sgx.HangSettings(enclave_pages=0)
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        SweepConfig(strategies=("atomic",), threads=(1,), repeats=0)


def test_a_type_error_names_the_setting_and_what_it_got() -> None:
    with pytest.raises(TypeError, match="threads must be an int, got str"):
        sgx.HammerSettings(threads="2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="threads must be an int, got str"):
        sgx.hammer("atomic", threads="2")  # type: ignore[arg-type]  # mypy refuses it too
    with pytest.raises(TypeError, match="unexpected keyword argument 'threadz'"):
        sgx.hammer("atomic", threadz=2)  # type: ignore[call-arg]  # and a misspelt one


def test_settings_take_what_users_give_and_hold_what_the_core_takes() -> None:
    settings = sgx.HammerSettings(
        pages_per_node=[4096, 4096, 0], node_search="v5_13_until_caller", phased=True
    )
    assert settings.pages_per_node == (4096, 4096, 0)
    assert settings.nodes == 3  # as many as the list has
    assert settings.node_search is sgx.NodeSearch.v5_13_until_caller
    assert settings.batch == 1024  # a phased run's default
    assert dataclasses.replace(settings, threads=3).batch == 1024
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.threads = 3  # type: ignore[misc]


def test_a_result_holds_its_settings_and_stats_and_answers_for_both() -> None:
    res = sgx.hammer("percpu_batch", threads=2, ops=2_000, rounds=2)
    assert isinstance(res.settings, sgx.HammerSettings)
    assert (res.threads, res.rounds, res.ops) == (2, 2, 2_000)  # the settings'
    assert res.total_ops == res.stats.total_ops and res.counter == res.stats.counter  # the stats'
    assert res.settings.counter_batch is None and res.counter_batch == sgx.default_counter_batch()
    with pytest.raises(AttributeError, match="'HammerResult' object has no attribute 'threadz'"):
        res.threadz  # noqa: B018


# A setting added to a settings type appears in the function, the command line, the JSON and the CSV,
# with none of them edited: a test-only settings type, and the same type with one more setting.


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToySettings:
    """A test-only settings type."""

    threads: Setting[int, int] = integer(2, low=1, help="threads")
    packed: Setting[bool, bool] = flag(False, help="pack the cells")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToyWithOneMore(ToySettings):
    """The same, with a setting added."""

    extra: Setting[int, int] = integer(7, low=0, core=None, help="a setting added later")


def run_toy(strategy: StrategyLike, settings: ToyWithOneMore) -> ToyWithOneMore:
    return settings


toy = keyword_function(run_toy, ToyWithOneMore, "toy")


def test_an_added_setting_is_a_keyword_of_the_function() -> None:
    parameters = inspect.signature(toy).parameters
    assert parameters["extra"].default == 7
    assert "- ``extra`` (default ``7``, at least 0): a setting added later" in (toy.__doc__ or "")
    assert toy("atomic", extra=9).extra == 9  # mypy reads the keyword from the settings type
    with pytest.raises(ValueError, match="extra must be at least 0, got -1"):
        toy("atomic", extra=-1)  # Python-only (core=None): checked here
    with pytest.raises(TypeError, match="extra must be an int, got str"):
        toy("atomic", extra="9")  # type: ignore[arg-type]


def test_an_added_setting_is_an_option_parsed_into_the_run() -> None:
    parser = Parser(prog="toy")
    options = SettingOptions.of(ToyWithOneMore)
    options.add_to(parser)
    assert (
        "--extra N" in parser.format_help()
        and "a setting added later (at least 0; default: 7)" in " ".join(parser.format_help().split())
    )
    args = parser.parse_args(["--extra", "9", "--packed"])
    assert run_toy("atomic", options.settings(args)) == ToyWithOneMore(extra=9, packed=True)
    assert options.settings(parser.parse_args([])).extra == 7
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["--extra", "-1"])
    assert refused.value.code == 2


def test_an_added_setting_is_a_json_field_and_reads_back(tmp_path: Any) -> None:
    settings = ToyWithOneMore(extra=9)
    written = json.loads(json.dumps(settings_to_dict(settings)))
    assert written == {"threads": 2, "packed": False, "extra": 9}
    assert settings_from_dict(ToyWithOneMore, written) == settings
    # a file written before the setting existed reads with its default: what that run ran with
    assert settings_from_dict(ToyWithOneMore, settings_to_dict(ToySettings())) == ToyWithOneMore()


def test_an_added_setting_is_a_csv_column() -> None:
    out = io.StringIO()
    row = settings_row(ToyWithOneMore(extra=9))
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == [
        {"threads": "2", "packed": "False", "extra": "9"}
    ]


# The sweep's files and command line are made the same way from HammerSettings: every setting is there.


def test_every_hammer_setting_is_in_the_sweeps_json_csv_and_options(tmp_path: Any) -> None:
    settings = sgx.HammerSettings(hold=3, counter_batch=40, pages_per_node=[64, 0])
    record = SweepRecord.start(SweepConfig(strategies=("atomic",), threads=(1,), settings=settings))
    config = record.to_dict()["config"]
    shared = [item.name for item in settings_fields(sgx.HammerSettings) if item.name not in SWEPT_SETTINGS]
    assert [name for name in shared if name not in config] == []
    assert SweepRecord.from_dict(json.loads(json.dumps(record.to_dict()))).config.settings == settings
    path = tmp_path / "sweep.csv"
    record.save_csv(path)
    header = next(csv.reader(path.open()))
    assert [name for name in shared if name not in header] == []
    assert {item.flag for item in sweep.SHARED.fields} == {f"--{name.replace('_', '-')}" for name in shared}
