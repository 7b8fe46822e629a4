"""A strategy builds against the installed wheel alone: no checkout headers, in a fresh virtual environment.

One wheel is built from this checkout (into build/test-wheel, so a second run only rebuilds what
changed; the first takes minutes: the whole core, with link-time optimisation), installed with
--no-deps into a new venv that borrows numpy and rich from this one, and then, from a folder outside
the checkout: the wheel holds the headers, the entry's sources and the CMake package; an example
header builds with `python -m pysgxalloc build` and the explorer finds its lost update; and a CMake
project finds the package with find_package and builds the same module with
pysgxalloc_add_strategy, which the installed package registers.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "strategies" / "atomic_load_store.hpp"

pytestmark = [pytest.mark.slow, pytest.mark.compiles]


def run(
    command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=3000, cwd=cwd, env=env
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Without isolation where the build tools are here (a development venv), reusing build/test-wheel;
    # isolated otherwise (CI's test venv has only the test extra), which builds from scratch.
    tools = all(importlib.util.find_spec(name) is not None for name in ("scikit_build_core", "pybind11"))
    isolation = ["--no-build-isolation", "-Cbuild-dir=build/test-wheel"] if tools else []
    run(
        [sys.executable, "-m", "pip", "wheel", *isolation, "--no-deps", "-q", "-w", str(out), str(ROOT)],
        cwd=ROOT,
    )
    (found,) = out.glob("pysgxalloc-*.whl")
    return found


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)])
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    # numpy and rich from this environment, as a plain path: its own .pth files (this checkout's
    # editable install among them) are not read from there.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def outside(tmp_path: Path) -> dict[str, str]:
    """The environment of a command run outside the checkout, with a build cache of its own."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYSGXALLOC_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_the_wheel_ships_the_headers_the_entry_sources_and_the_cmake_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "pysgxalloc/include/pysgxalloc/strategy.hpp",
        "pysgxalloc/include/registry/entry_for.hpp",
        "pysgxalloc/include/model/fault_path.hpp",
        "pysgxalloc/share/pysgxalloc/strategy_module.cpp.in",
        "pysgxalloc/share/pysgxalloc/src/explore/scheduler.cpp",
        "pysgxalloc/share/cmake/pysgxalloc/pysgxallocConfig.cmake",
        "pysgxalloc/share/cmake/pysgxalloc/pysgxalloc_add_strategy.cmake",
    ):
        assert shipped in names, shipped
    assert not any(name.startswith("pysgxalloc/include/bindings/") for name in names)


def test_an_example_builds_from_the_installed_package_and_the_explorer_finds_its_lost_update(
    fresh_python: Path, tmp_path: Path
) -> None:
    header = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, header)
    shown = "import pysgxalloc; print(pysgxalloc.__file__, pysgxalloc.get_include())"
    where = run([str(fresh_python), "-c", shown], cwd=tmp_path, env=outside(tmp_path))
    assert str(ROOT) not in where.stdout, "the fresh venv imported the checkout"
    built = run(
        [str(fresh_python), "-m", "pysgxalloc", "build", header.name], cwd=tmp_path, env=outside(tmp_path)
    )
    assert built.stdout.startswith("atomic_load_store.hpp: strategy atomic_load_store (exact), built in")
    explored = run(
        [
            str(fresh_python),
            "-m",
            "pysgxalloc",
            "explore",
            "atomic_load_store",
            "--load",
            header.name,
            "--ops",
            "1",
        ],
        cwd=tmp_path,
        env=outside(tmp_path),
    )
    assert "2 of 4 schedules ended with the count wrong." in explored.stdout


def test_a_cmake_project_builds_a_strategy_with_the_installed_package(
    fresh_python: Path, tmp_path: Path
) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("no cmake on PATH")
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    (tmp_path / "CMakeLists.txt").write_text(
        textwrap.dedent(
            f"""\
            cmake_minimum_required(VERSION 3.18)
            project(my_counter LANGUAGES CXX)
            find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)
            find_package(pysgxalloc CONFIG REQUIRED)
            pysgxalloc_add_strategy(my_counter {EXAMPLE.name})
            """
        )
    )
    cmake_dir = run(
        [str(fresh_python), "-m", "pysgxalloc", "--cmake-dir"], cwd=tmp_path, env=outside(tmp_path)
    ).stdout.strip()
    build = tmp_path / "build"
    run(["cmake", "-S", str(tmp_path), "-B", str(build), f"-Dpysgxalloc_DIR={cmake_dir}",
         f"-DPython_EXECUTABLE={fresh_python}", "-DCMAKE_BUILD_TYPE=Release"])  # fmt: skip
    run(["cmake", "--build", str(build)])
    check = (
        "import sys; sys.path.insert(0, 'build'); import my_counter, pysgxalloc as sgx; "
        "from pysgxalloc.strategy import register_strategy; s = register_strategy(my_counter.entry); "
        "print(s.name, sgx.explore(s, threads=2, ops=1).failing)"
    )
    assert run([str(fresh_python), "-c", check], cwd=tmp_path, env=outside(tmp_path)).stdout.split() == [
        "atomic_load_store",
        "2",
    ]
