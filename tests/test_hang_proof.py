"""The proof of the hang (csrc/scenario/hang_proof.hpp), one condition at a time.

tests/cpp/hang_proof.cpp runs proves_hung() on a stand-in model whose state each case sets
by hand: the absorbing state is proven hung, and each state that differs from it in one
condition is not. Among them the state no schedule of the real model can isolate: every list
empty and the active list empty too, a worker waiting. That fault gets -ENOMEM from
sgx_alloc_epc_page() (SIGBUS in the kernel): out of memory, not the hang.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_one_fault_path import CSRC, ROOT, compiler

CHECK = ROOT / "tests" / "cpp" / "hang_proof.cpp"


def built(tmp_path: Path) -> Path:
    cxx = compiler()
    if cxx is None:
        pytest.skip("no C++ compiler on PATH (set CXX): the proof is a header, tested compiled")
    program = tmp_path / "hang_proof"
    command = [cxx, "-std=c++20", "-Wall", "-Wextra", "-Werror", f"-I{CSRC}", str(CHECK), "-o", str(program)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return program


def test_only_the_absorbing_state_is_proven_hung_and_an_empty_active_list_is_out_of_memory(
    tmp_path: Path,
) -> None:
    result = subprocess.run([str(built(tmp_path))], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
