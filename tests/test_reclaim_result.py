"""reclaim_scenario(): what a result holds, the page accounting behind it, bad input, and
that neither a hung model nor Ctrl-C can hang the process."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from interrupted_child import interrupt_child

import pysgxalloc as sgx
from pysgxalloc._test_hooks import leaking_pages
from pysgxalloc.machine import usable_cpus
from pysgxalloc.reclaim_settings import DEFAULTS

SMALL: dict[str, Any] = {"nodes": 2, "pages_per_node": 64, "enclave_pages": 256}


def test_an_enclave_that_fits_the_epc_faults_each_page_once_and_never_reclaims() -> None:
    res = sgx.reclaim_scenario("atomic", threads=3, enclave_pages=100, passes=3)
    assert res.completed
    # contiguous shares of 33, 33 and 34 pages; the second and third passes are all hits
    assert res.faults_per_worker.dtype == np.int64
    assert res.faults_per_worker.tolist() == [33, 33, 34]
    assert res.faults_served == 100 and res.touches == 300
    assert res.fault_retries == 0 and res.reclaimer_wakeups == 0 and res.pages_reclaimed == 0
    assert res.active_pages == 100 and res.true_free == res.epc_pages - 100


def test_workers_without_a_share_finish_at_once() -> None:
    res = sgx.reclaim_scenario("per_node", threads=3, enclave_pages=1, passes=2)
    assert res.completed
    assert res.faults_per_worker.tolist() == [0, 0, 1]
    assert res.touches == 2


def test_faults_per_worker_add_up_to_the_faults_served() -> None:
    res = sgx.reclaim_scenario("atomic_in_lock", threads=2, **SMALL)
    assert res.faults_per_worker.shape == (2,)
    assert int(res.faults_per_worker.sum()) == res.faults_served


def test_a_lost_page_fails_the_conservation_check() -> None:
    with pytest.raises(sgx.InvariantError, match="neither free nor held: lost"), leaking_pages(1):
        sgx.reclaim_scenario("atomic", **SMALL)
    # the failed run left nothing behind
    assert sgx.reclaim_scenario("atomic", **SMALL).pages_conserved


def test_a_hung_run_returns_instead_of_hanging_the_caller() -> None:
    results: list[sgx.ReclaimResult] = []
    caller = threading.Thread(
        target=lambda: results.append(sgx.reclaim_scenario("atomic", initial_drift=500, stall_seconds=0.1)),
        daemon=True,
    )
    caller.start()
    caller.join(timeout=60)  # a bound against a hung process, not a speed target
    assert not caller.is_alive(), "reclaim_scenario never returned from a hung run"
    assert results[0].hung


def test_ctrl_c_stops_a_run_that_would_take_hours() -> None:
    # a million passes over twice the EPC: it neither completes nor hangs for hours
    # The signal goes once the call's own thread runs: inside the native call, where only the
    # binding's signal checks can stop it (interrupted_child.py).
    call = 'sgx.reclaim_scenario("atomic", passes=2**20, stall_seconds=3600, max_retries=2**62)'
    _, threads, printed = interrupt_child(call, after="print(type(stop).__name__)")
    assert printed == "KeyboardInterrupt"
    assert threads == 0


def test_result_repr_names_the_outcome_and_the_end_state() -> None:
    done = sgx.reclaim_scenario("per_node", **SMALL)
    assert repr(done).startswith("ReclaimResult(strategy=per_node, completed, ")
    hung = sgx.reclaim_scenario("per_node", initial_drift=100, stall_seconds=0.05, **SMALL)
    text = repr(hung)
    assert "HUNG after 128 faults" in text
    assert "counter=100, true_free=0, drift=+100" in text


def test_oversubscription_is_flagged_when_workers_outnumber_cpus() -> None:
    few = sgx.reclaim_scenario("atomic", threads=1, **SMALL)
    many = sgx.reclaim_scenario("atomic", threads=usable_cpus() + 1, **SMALL)
    assert not few.oversubscribed
    assert many.oversubscribed and "oversubscribed" in repr(many)


def test_the_result_records_the_parameters_it_ran_with() -> None:
    res = sgx.reclaim_scenario(
        sgx.Strategy.atomic, comparison=sgx.Comparison.signed_count, pin=False, **SMALL
    )
    assert res.strategy is sgx.Strategy.atomic and res.comparison is sgx.Comparison.signed_count
    assert (res.nodes, res.pages_per_node, res.enclave_pages) == (2, 64, 256)
    assert (res.low, res.high, res.scan, res.passes) == (
        DEFAULTS.low,
        DEFAULTS.high,
        DEFAULTS.scan,
        DEFAULTS.passes,
    )
    assert not res.pin and res.exact and res.epc_pages == 128


def test_numpy_numbers_are_accepted() -> None:
    params: dict[str, Any] = {
        "threads": np.int64(2),
        "nodes": np.int32(2),
        "pages_per_node": np.int64(64),
        "enclave_pages": np.uint16(256),
        "stall_seconds": np.float64(0.5),
    }
    assert sgx.reclaim_scenario("atomic", **params).completed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": 65, "high": 64}, "low must not exceed high, got low=65, high=64"),
        ({"low": 0}, "low must be between 1 and 8192, got 0"),
        ({"high": 10_000}, "high must be between 32 and 8192, got 10000"),
        ({"scan": 0}, "scan must be between 1 and 65536, got 0"),
        ({"enclave_pages": 0}, "enclave_pages must be between 1 and 268435456, got 0"),
        ({"enclave_pages": 1 << 40}, "enclave_pages must be between 1 and 268435456"),
        ({"enclave_pages": 1 << 70}, "enclave_pages must fit in a signed 64-bit integer"),
        ({"threads": 0}, "threads must be between 1 and 1023, got 0"),
        ({"threads": 1024}, "threads must be between 1 and 1023, got 1024"),
        ({"passes": 0}, "passes must be between 1 and"),
        ({"nodes": 0}, "nodes must be between 1 and 1024, got 0"),
        ({"pages_per_node": 1 << 30}, "nodes x pages_per_node must be at most 268435456"),
        ({"stall_seconds": 0}, "stall_seconds must be between 0.001 and 3600"),
        ({"stall_seconds": float("nan")}, "stall_seconds must be between 0.001 and 3600"),
        ({"max_retries": 0}, "max_retries must be between 1 and"),
        ({"initial_drift": 1 << 41}, "initial_drift must be between -2^40 and 2^40"),
        ({"comparison": "sideways"}, "unknown comparison 'sideways'"),
    ],
)
def test_bad_parameters_raise_a_clear_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("^", r"\^")):
        sgx.reclaim_scenario("atomic", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threads": 2.0}, "threads must be an int, got float"),
        ({"passes": True}, "passes must be an int, got bool"),
        ({"pin": 1}, "pin must be a bool, got int"),
        ({"stall_seconds": "1"}, "stall_seconds must be a number, got str"),
        ({"comparison": 1}, "comparison must be a Comparison or its name"),
    ],
)
def test_bad_types_raise_a_clear_type_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        sgx.reclaim_scenario("atomic", **kwargs)  # type: ignore[arg-type]


def test_an_unknown_strategy_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'atomc'; choose one of: plain_node_lock"):
        sgx.reclaim_scenario("atomc")
