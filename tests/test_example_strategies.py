"""The examples of examples/strategies/ give the verdicts they teach under `pysgxalloc check`'s checks.

atomic_load_store loses updates in the explorer while ThreadSanitizer stays silent; sloppy_exact is
exact in every explored schedule and never hangs; sloppy_bounded stays within its bound. The hammer's
verdict is asserted only where its threads ran at once (a busy machine serialises them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pysgxalloc.user_checks import Check, check_strategy, tsan_runtime
from pysgxalloc.user_strategy import CACHE_VARIABLE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "strategies"


#: Each builds a strategy header with the compiler (conftest.py).
pytestmark = pytest.mark.compiles


@pytest.fixture(scope="module", autouse=True)
def strategy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = str(tmp_path_factory.getbasetemp() / "strategy-cache")
    yield
    if before is None:
        del os.environ[CACHE_VARIABLE]
    else:
        os.environ[CACHE_VARIABLE] = before


def verdicts(header: str) -> dict[str, Check]:
    return {check.name: check for check in check_strategy(EXAMPLES / header)}


def test_atomic_load_store_loses_updates_in_the_explorer_and_tsan_is_silent() -> None:
    checks = verdicts("atomic_load_store.hpp")
    assert checks["explorer 2x2"].verdict == "fail"
    assert checks["explorer 3x1"].verdict == "fail"
    assert any("LOST UPDATE" in line for line in checks["explorer 2x2"].evidence)
    assert checks["hang search"].verdict == "fail"
    assert checks["hammer: lost updates"].verdict in ("fail", "skipped")
    expected_tsan = "pass" if tsan_runtime() is not None else "skipped"
    assert checks["ThreadSanitizer"].verdict == expected_tsan


def test_the_sloppy_counter_read_exactly_is_exact_in_every_schedule_and_never_hangs() -> None:
    checks = verdicts("sloppy_exact.hpp")
    for name in ("explorer 2x2", "explorer 3x1", "hang search", "reclaim scenario"):
        assert checks[name].verdict == "pass", checks[name]
    assert checks["hammer: lost updates"].verdict in ("pass", "skipped")


def test_the_sloppy_counter_read_cheaply_stays_within_its_bound_in_every_schedule() -> None:
    checks = verdicts("sloppy_bounded.hpp")
    for name in ("explorer 2x2", "explorer 3x1"):
        assert checks[name].verdict == "pass", checks[name]
        assert "within its bound" in checks[name].summary
    assert checks["hammer: lost updates"].verdict in ("pass", "skipped")
