"""Values at the edges of Python's numbers: each is a clear ValueError or accepted as what it means,
never an OverflowError, a wrong TypeError or undefined behaviour in the core."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from rich.console import Console

import pysgxalloc as sgx
from pysgxalloc import Comparison, HammerSettings, WatermarkRead
from pysgxalloc.cli.commands import demo
from pysgxalloc.reclaim import ReclaimResult


def test_a_stall_time_beyond_any_float_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="stall_seconds must be within a float's range"):
        sgx.reclaim_scenario("atomic", stall_seconds=10**400)


def test_a_pause_limit_beyond_any_float_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="pause_limit must be within a float's range"):
        sgx.paused_update("atomic", pause_limit=10**400)


def test_a_numpy_bool_is_a_bool() -> None:
    packed = np.array([True])[0]  # what a numpy array of flags hands out
    assert sgx.EpcPool("striped", packed=packed).packed is True


def test_the_watermark_test_near_the_limits_of_a_long() -> None:
    # The distance from the count (about -2**40) to the watermark (2**63 - 1) overflows a long;
    # the UndefinedBehaviorSanitizer stage of .ci/run stops on the overflow this once was.
    pool = sgx.EpcPool("percpu_batch", nodes=1, pages_per_node=8, initial_drift=-(2**40))
    assert pool.count_below(2**63 - 1, Comparison.signed_count, WatermarkRead.exact_near_watermark)


def test_ctrl_c_in_the_demos_reclaim_section_still_shows_the_runs_that_finished(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finished = sgx.reclaim_scenario("atomic", enclave_pages=512, passes=2)

    def one_run_then_ctrl_c(results: list[ReclaimResult], strategies: Sequence[Any], runs: int) -> None:
        results.append(finished)
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run_scenarios", one_run_then_ctrl_c)
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        demo.reclaim_section(Console(file=out, width=160), demo.DemoOptions(HammerSettings(), reclaim_runs=5))
    assert "interrupted; 1 finished run:" in out.getvalue()
    assert "atomic never hung" in out.getvalue()  # the verdict on the one finished run
