"""The explorer and the threaded scenario run one fault path: model/'s, instantiated twice.

The compile-time check (tests/cpp/one_fault_path.cpp) says that each runner's kernel state
is model/'s ReclaimModel, with model/'s FaultPath and Reclaimer over its own counter type
and wait queue; a runner with a copied path fails it, and the test shows that it does.
The source check says that each kernel function of the path is modelled in one place.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pysgxalloc as sgx

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
CHECK = ROOT / "tests" / "cpp" / "one_fault_path.cpp"

#: The kernel functions of the fault path, each modelled once (its comment: "models NAME()").
KERNEL_FUNCTIONS = (
    "sgx_alloc_epc_page",
    "sgx_encl_load_page",
    "sgx_encl_remove_pages",
    "sgx_ioc_enclave_add_pages",
    "sgx_reclaim_pages",
    "sgx_should_reclaim",
    "ksgxd",
)


def compiler() -> str | None:
    return shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++")


def compile_check(*defines: str) -> subprocess.CompletedProcess[str]:
    cxx = compiler()
    if cxx is None:
        pytest.skip("no C++ compiler on PATH (set CXX): the check is a compile-time one")
    command = [cxx, "-std=c++20", "-fsyntax-only", f"-I{CSRC}", *defines, str(CHECK)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def places_modelling(function: str) -> list[str]:
    pattern = re.compile(rf"models {re.escape(function)}\(")
    return [
        path.relative_to(CSRC).as_posix()
        for path in sorted(CSRC.rglob("*.hpp")) + sorted(CSRC.rglob("*.cpp"))
        for _ in pattern.finditer(path.read_text())
    ]


def test_the_explorer_and_the_threaded_scenario_instantiate_the_same_fault_path() -> None:
    result = compile_check()
    assert result.returncode == 0, result.stderr


def test_the_check_refuses_a_runner_with_a_copied_fault_path() -> None:
    result = compile_check("-DSGX_TEST_COPIED_PATH")
    assert result.returncode != 0
    assert "a copied fault path" in result.stderr


@pytest.mark.parametrize("function", KERNEL_FUNCTIONS)
def test_each_kernel_function_of_the_fault_path_is_modelled_in_one_place(function: str) -> None:
    places = places_modelling(function)
    assert len(places) == 1, places
    assert places[0].startswith("model/")


@pytest.mark.parametrize("function", ["wait_event_freezable", "wake_up"])
def test_the_wait_queue_is_the_one_primitive_each_runner_models_for_itself(function: str) -> None:
    # The policy: one model per queue, and nothing else models it.
    assert sorted(places_modelling(function)) == [
        "explore/scheduled_wait_queue.hpp",
        "scenario/thread_wait_queue.hpp",
    ]


def test_the_explorer_s_ksgxd_waits_for_the_enclave_lock_a_fault_holds() -> None:
    # The fault holds its enclave's lock throughout, as sgx_vma_fault() does; the copy the
    # explorer had before had no enclave lock. Switch to ksgxd at each decision of the
    # default schedule in turn, until a run shows it blocked on a worker's enclave lock.
    res = sgx.explore_hang("atomic", preemption_bound=1)
    default = res.replay(())
    ksgxd = res.threads - 1
    for decision in range(len(default.schedule)):
        try:
            run = res.replay((*default.schedule[:decision], ksgxd))
        except ValueError:
            continue  # ksgxd could not move there
        waits = [s for s in run.steps if s.thread == ksgxd and s.shared == "enclave_lock"]
        if waits:
            assert waits[0].access == "lock"
            assert waits[0].description.startswith("lock enclave ")
            return
    pytest.fail("no schedule in which ksgxd waits for a fault's enclave lock")
