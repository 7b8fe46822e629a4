"""What a user sees of the library at the prompt: reprs, help(), docstrings, version and licence."""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import metadata

import pysgxalloc as sgx
from pysgxalloc import _core, analysis


def test_a_churn_tally_prints_its_figures() -> None:
    tally = sgx.EpcPool("atomic").churn(ops=1000, node=0, slot=0)
    assert repr(tally) == f"Tally(ops={tally.ops}, alloc_failures={tally.alloc_failures})"


def test_a_read_cost_result_prints_its_strategy_by_name_and_its_ns_per_read() -> None:
    result = sgx.read_cost("striped", writers=0, ops=1000)
    text = repr(result)
    assert text.startswith("ReadCostResult(strategy=striped,")
    assert f"{result.ns_per_read:.2f} ns/read" in text
    assert "<Strategy" not in text


def test_test_hooks_stay_out_of_the_public_signatures() -> None:
    for function in (sgx.hammer, sgx.reclaim_scenario, sgx.read_cost, sgx.paused_update):
        hidden = [name for name in inspect.signature(function).parameters if name.startswith("_")]
        assert hidden == [], f"{function.__name__} shows {hidden}"


def test_the_errors_carry_their_own_docstrings() -> None:
    for error, base in ((sgx.DoubleFreeError, ValueError), (sgx.InvariantError, RuntimeError)):
        assert error.__doc__ and error.__doc__ != base.__doc__


def test_single_page_calls_are_the_cores_own_with_no_python_wrapper() -> None:
    # a Python wrapper in front of the core's call cost 3x the call itself (bench/pool_call_cost.py)
    for name in ("alloc", "free", "home_node", "is_free"):
        assert getattr(sgx.EpcPool, name) is getattr(_core.Pool, name), name


def test_the_version_is_the_installed_distributions() -> None:
    assert sgx.__version__ == metadata.version("pysgxalloc")


def test_python_m_pysgxalloc_version_prints_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pysgxalloc", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"pysgxalloc {sgx.__version__}"


def test_the_distribution_names_its_licence_and_authors() -> None:
    info = metadata.metadata("pysgxalloc")
    assert info["License"] == "MIT"
    assert info["Author"] == "pysgxalloc developers"
    shipped = [str(f) for f in metadata.files("pysgxalloc") or [] if f.name == "LICENSE"]
    assert shipped, "the wheel carries no LICENSE file"


#: The core: the pool, the runs with their settings and result types, the strategies and the errors.
CORE = {
    "pool": ["EpcPool", "MemoryLayout", "NodeSearch", "PlainUpdate", "WatermarkRead", "Comparison",
             "CALLER_SLOT", "MAX_THREADS", "SOFT_LOCKUP_LAPS", "default_counter_batch"],
    "hammer": ["hammer", "HammerSettings", "HammerResult", "Engine", "ENGINES"],
    "reclaim scenario": ["reclaim_scenario", "ReclaimSettings", "ReclaimResult", "ReclaimOutcome",
                         "DriftWalk", "UpdateLog"],
    "explore": ["explore", "explore_hang", "ExploreSettings", "HangSettings", "ExploreResult",
                "ExploreInterrupted", "ScheduleRun", "TraceStep", "PctBound", "SavedSchedule",
                "ScheduleFileError", "replay_file"],
    "read cost": ["read_cost", "ReadCostSettings", "ReadCostResult"],
    "paused update": ["paused_update", "PausedUpdateSettings", "PausedUpdateResult"],
    "strategies": ["Strategy", "StrategyLike", "STRATEGIES", "strategies", "Accuracy", "accuracy", "is_exact",
                   "parse_strategy"],
    "errors": ["SgxAllocError", "DoubleFreeError", "InvariantError", "SoftLockupError", "StrategyBuildError"],
    "your own strategy": ["load_strategy", "load_plugins", "get_include", "get_cmake_dir"],
}  # fmt: skip
#: What to make of many runs: intervals, summaries of repeated runs, machine facts, comparisons.
ANALYSIS = {
    "intervals": ["Interval", "median_interval", "median_ranks", "wilson_interval", "ratio_interval",
                  "median_ratio", "RUNS_FOR_95", "RUNS_FOR_95_RATIO", "describe"],
    "runs": ["HammerRuns", "summarize", "ReclaimRuns", "reclaim_runs", "summarize_reclaim", "LockupRuns",
             "lockup_runs", "summarize_lockups"],
    "machine": ["MachineInfo", "Topology", "usable_cpus", "load_average"],
    "comparisons": ["compare_strategies", "measure_costs", "CostSetup", "StrategyCosts", "recommend",
                    "Recommendation", "Workload", "SGX_FAULT_PATH"],
}  # fmt: skip


def test_the_core_exports_the_pool_the_runs_the_strategies_and_the_errors_and_nothing_else() -> None:
    listed = [name for names in CORE.values() for name in names]
    assert sorted(sgx.__all__) == sorted(listed)
    assert all(hasattr(sgx, name) for name in listed)


def test_the_analysis_exports_intervals_runs_machine_and_comparisons_and_nothing_else() -> None:
    listed = [name for names in ANALYSIS.values() for name in names]
    assert sorted(analysis.__all__) == sorted(listed)
    assert all(hasattr(analysis, name) for name in listed)


def test_no_name_is_in_both_the_core_and_the_analysis() -> None:
    assert set(sgx.__all__) & set(analysis.__all__) == set()


def test_every_settings_type_is_next_to_its_run_and_its_result() -> None:
    for settings, result in [
        (sgx.HammerSettings, sgx.HammerResult),
        (sgx.ReclaimSettings, sgx.ReclaimResult),
        (sgx.ReadCostSettings, sgx.ReadCostResult),
        (sgx.PausedUpdateSettings, sgx.PausedUpdateResult),
    ]:
        assert inspect.get_annotations(result)["settings"] == settings.__name__
