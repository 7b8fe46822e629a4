"""The strategy registry: one object per strategy, and a strategy registered at run time works everywhere.

A strategy from outside the core arrives as a PyCapsule holding its entry (csrc/registry/
strategy_entry.hpp), filled by a module built against the same headers. The test-only hook
`_core._copy_strategy_entry` makes such a capsule from a built-in's entry under another name,
and the tests register it exactly as an outside module's would be registered, then check that
the copy runs in every harness with the original's results wherever a run is deterministic.
Registration lasts for the process, so every name registered here is new to it.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import pysgxalloc as sgx
from pysgxalloc import _core
from pysgxalloc.strategy import known_strategy, register_strategy


def copy_of(original: str, name: str) -> sgx.Strategy:
    """`original`'s entry registered again as `name`, through the capsule an outside module hands over."""
    return register_strategy(_core._copy_strategy_entry(original, name))


@pytest.fixture(scope="module")
def plain_copy() -> sgx.Strategy:
    return copy_of("plain_node_lock", "test_registry_plain_node_lock")


@pytest.fixture(scope="module")
def atomic_copy() -> sgx.Strategy:
    return copy_of("atomic", "test_registry_atomic")


@pytest.fixture(scope="module")
def per_node_copy() -> sgx.Strategy:
    return copy_of("per_node", "test_registry_per_node")


def test_the_builtins_are_listed_in_report_order() -> None:
    assert [s.name for s in sgx.STRATEGIES] == [
        "plain_node_lock", "plain_unlocked", "plain_global_lock", "atomic",
        "atomic_in_lock", "per_node", "percpu_batch", "striped",
    ]  # fmt: skip
    assert all(s.builtin for s in sgx.STRATEGIES)


def test_every_strategy_is_one_object_whatever_names_it() -> None:
    atomic = sgx.Strategy.atomic
    assert sgx.parse_strategy("atomic") is atomic
    assert _core.find_strategy("atomic") is atomic
    assert sgx.EpcPool("atomic", pages_per_node=1).strategy is atomic
    assert pickle.loads(pickle.dumps(atomic)) is atomic
    assert copy.copy(atomic) is atomic and copy.deepcopy(atomic) is atomic
    assert repr(atomic) == "Strategy.atomic"
    assert sgx.Strategy.__members__["atomic"] is atomic  # as the enum's was, for code written for it


def test_a_strategy_is_made_only_by_registering_it() -> None:
    with pytest.raises(TypeError):
        sgx.Strategy()
    bare = sgx.Strategy.__new__(sgx.Strategy)
    with pytest.raises(TypeError, match="never initialised"):
        _ = bare.name
    with pytest.raises(TypeError, match="never initialised"):
        sgx.EpcPool(bare)


def test_a_registered_strategy_joins_the_list_after_the_builtins(plain_copy: sgx.Strategy) -> None:
    assert plain_copy in sgx.strategies() and plain_copy not in sgx.STRATEGIES
    assert sgx.strategies()[: len(sgx.STRATEGIES)] == sgx.STRATEGIES
    assert not plain_copy.builtin
    assert getattr(sgx.Strategy, plain_copy.name) is plain_copy
    assert sgx.Strategy.__members__[plain_copy.name] is plain_copy
    assert sgx.parse_strategy(plain_copy.name) is plain_copy
    assert sgx.accuracy(plain_copy) is sgx.Accuracy.drifts and not sgx.is_exact(plain_copy)


def test_a_registered_strategy_builds_a_pool_that_reports_it(atomic_copy: sgx.Strategy) -> None:
    pool = sgx.EpcPool(atomic_copy.name, nodes=2, pages_per_node=8)
    assert pool.strategy is atomic_copy
    pages = [pool.alloc(node=0) for _ in range(5)]
    assert pool.counter == pool.true_free == 11
    for page in pages:
        assert page is not None
        pool.free(page)
    assert pool.counter == pool.true_free == 16 and pool.invariant_violation() == ""


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_registered_strategy_hammers_as_its_original(plain_copy: sgx.Strategy, engine: str) -> None:
    # One thread: no race, so the figures are the code's alone.
    settings: dict[str, Any] = {"threads": 1, "ops": 4000, "rounds": 2, "engine": engine, "batch": 4}
    copied, original = sgx.hammer(plain_copy, **settings), sgx.hammer("plain_node_lock", **settings)
    assert copied.strategy is plain_copy
    assert copied.total_ops == original.total_ops and copied.drift == original.drift == 0


def test_a_registered_strategy_measures_its_read_cost(atomic_copy: sgx.Strategy) -> None:
    result = sgx.read_cost(atomic_copy, writers=1, ops=2000)
    assert result.strategy is atomic_copy and result.reads > 0 and result.writer_ops >= 2000


def test_a_registered_strategy_loses_the_paused_update_as_its_original(plain_copy: sgx.Strategy) -> None:
    copied, original = sgx.paused_update(plain_copy), sgx.paused_update("plain_node_lock")
    assert copied.rival_finished_in_pause and original.rival_finished_in_pause
    assert (copied.counter, copied.true_free) == (original.counter, original.true_free)
    assert copied.counter != copied.true_free


def test_a_registered_strategy_runs_the_reclaim_scenario(atomic_copy: sgx.Strategy) -> None:
    result = sgx.reclaim_scenario(atomic_copy, nodes=2, pages_per_node=64, enclave_pages=256, pin=False)
    assert result.strategy is atomic_copy
    assert result.outcome is sgx.ReclaimOutcome.completed and result.pages_conserved
    stamped = sgx.reclaim_scenario(
        atomic_copy, nodes=2, pages_per_node=64, enclave_pages=256, pin=False, update_log_limit=100_000
    )
    assert stamped.outcome is sgx.ReclaimOutcome.completed


def test_the_update_log_refuses_a_copy_with_no_shared_count_by_name(per_node_copy: sgx.Strategy) -> None:
    assert not per_node_copy.one_shared_count and sgx.Strategy.atomic.one_shared_count
    with pytest.raises(ValueError, match=f"and {per_node_copy.name} has none"):
        _core.reclaim(per_node_copy, _update_logged_config())


def _update_logged_config() -> _core.ReclaimConfig:
    config = _core.ReclaimConfig()
    config.pages_per_node = 64
    config.enclave_pages = 256
    config.update_log_limit = 1000
    return config


def test_a_registered_strategy_explores_the_same_schedules(plain_copy: sgx.Strategy) -> None:
    copied = sgx.explore(plain_copy, threads=2, ops=1)
    original = sgx.explore("plain_node_lock", threads=2, ops=1)
    counts = (copied.schedules, copied.failing, copied.runs, list(copied.schedules_by_preemptions))
    assert counts == (
        original.schedules,
        original.failing,
        original.runs,
        list(original.schedules_by_preemptions),
    )
    assert copied.failing > 0 and copied.first_failure is not None and original.first_failure is not None
    assert copied.first_failure.schedule == original.first_failure.schedule
    assert copied.replay(copied.first_failure.schedule).outcome == original.first_failure.outcome


def test_a_registered_strategy_searches_the_same_hang_schedules(plain_copy: sgx.Strategy) -> None:
    copied, original = sgx.explore_hang(plain_copy), sgx.explore_hang("plain_node_lock")
    assert (copied.schedules, copied.failing) == (original.schedules, original.failing)
    assert copied.schedules > 0


def test_a_name_registers_once(atomic_copy: sgx.Strategy) -> None:
    with pytest.raises(ValueError, match="already registered"):
        copy_of("atomic", atomic_copy.name)
    with pytest.raises(ValueError, match="a strategy named atomic is already registered"):
        copy_of("per_node", "atomic")


@pytest.mark.parametrize("name", ["", "Atomic", "2fast", "with space", "x" * 65, "_hidden"])
def test_a_malformed_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="must be 1 to 64 lower-case letters"):
        copy_of("atomic", name)


@pytest.mark.parametrize("name", ["name", "accuracy", "mro"])
def test_a_name_that_would_hide_an_attribute_of_strategy_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="taken by Strategy's own attribute"):
        copy_of("atomic", name)


def test_an_entry_of_another_version_is_refused_before_it_is_read() -> None:
    with pytest.raises(ValueError, match="version 99 cannot register here"):
        register_strategy(_core._copy_strategy_entry("atomic", "test_registry_version", version=99))


def test_an_entry_built_with_another_abi_is_refused() -> None:
    with pytest.raises(ValueError, match="built with another ABI"):
        register_strategy(_core._copy_strategy_entry("atomic", "test_registry_abi", abi=12345))
    assert known_strategy("test_registry_abi") is None


@pytest.mark.parametrize("bad", [None, 3, "atomic", object()])
def test_registering_anything_but_an_entry_capsule_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match=r"takes the PyCapsule named pysgxalloc\.StrategyEntry"):
        register_strategy(bad)
