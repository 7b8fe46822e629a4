"""The benchmark suite's options reach every benchmark they can, and the docs name them as --help does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pysgxalloc as sgx

ROOT = Path(__file__).resolve().parents[1]


def pytest_in_bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "bench/", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_strategies_and_threads_apply_to_every_benchmark_that_takes_them() -> None:
    collected = pytest_in_bench("--collect-only", "-q", "--strategies", "atomic", "--threads", "2")
    ids = [line for line in collected.splitlines() if "[" in line]
    others = [s.name for s in sgx.STRATEGIES if s.name != "atomic"]
    for kind in ("test_throughput", "test_drift", "test_read_cost", "test_reclaim_scenario_completion_time"):
        mine = [one for one in ids if f"::{kind}[" in one]
        assert mine, f"{kind} not collected"
        assert all("atomic" in one and "2threads" in one for one in mine), mine
        assert not any(other in one for one in mine for other in others), mine


def test_the_docs_name_the_options_group_as_pytest_help_shows_it() -> None:
    page = (ROOT / "docs" / "workflows.md").read_text()  # where the benchmarks are documented
    named = re.search(r'`pytest bench/ --help`, group "([^"]+)"', page)
    assert named, "the docs no longer say where the options are"
    assert f"{named.group(1)}:" in pytest_in_bench("--help")
