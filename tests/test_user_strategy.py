"""A strategy from a user's header: built against the installed headers, cached, registered, and then
as good as a built-in everywhere; and every way a header can be wrong, a clear error.

Builds go to one cache for the session (PYSGXALLOC_CACHE_DIR), so each header compiles once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import pysgxalloc as sgx
from pysgxalloc.errors import StrategyBuildError
from pysgxalloc.user_checks import tsan_runtime
from pysgxalloc.user_strategy import CACHE_VARIABLE, PATH_VARIABLE, build_strategy, load_strategy

HERE = Path(__file__).resolve().parent
USER_ATOMIC = HERE / "strategies" / "user_atomic.hpp"


#: Each builds a strategy header with the compiler (conftest.py).
pytestmark = pytest.mark.compiles


@pytest.fixture(scope="module", autouse=True)
def strategy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.getbasetemp() / "strategy-cache"
    before = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = str(folder)
    yield folder
    if before is None:
        del os.environ[CACHE_VARIABLE]
    else:
        os.environ[CACHE_VARIABLE] = before


@pytest.fixture(scope="module")
def user_atomic() -> sgx.Strategy:
    return sgx.load_strategy(USER_ATOMIC)


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the user atomic with `old` replaced by `new`."""
    text = USER_ATOMIC.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pysgxalloc", *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, **(env or {})),
        cwd=cwd,
    )


def test_the_installed_headers_hold_the_strategy_header_and_every_layer_an_entry_needs() -> None:
    include = Path(sgx.get_include())
    assert (include / "pysgxalloc" / "strategy.hpp").is_file()
    for layer in ("base", "counters", "model", "harness", "scenario", "explore", "registry"):
        assert any((include / layer).glob("*.hpp")), layer
    assert not (include / "bindings").exists(), "the bindings are _core's own, not a public header"


def test_the_cmake_package_is_where_cmake_dir_says() -> None:
    done = cli("--cmake-dir")
    assert done.returncode == 0
    assert done.stdout.strip() == sgx.get_cmake_dir()
    assert (Path(sgx.get_cmake_dir()) / "pysgxallocConfig.cmake").is_file()
    assert cli("--include-dir").stdout.strip() == sgx.get_include()


def test_a_user_copy_of_atomic_explores_the_same_schedules_as_the_builtin(user_atomic: sgx.Strategy) -> None:
    for threads, ops in ((2, 2), (3, 1)):
        mine, builtin = (
            sgx.explore(user_atomic, threads=threads, ops=ops),
            sgx.explore("atomic", threads=threads, ops=ops),
        )
        assert (mine.schedules, mine.failing, mine.complete) == (
            builtin.schedules,
            builtin.failing,
            builtin.complete,
        )
        assert np.array_equal(mine.schedules_by_preemptions, builtin.schedules_by_preemptions)


def test_a_user_copy_of_atomic_has_the_builtins_hang_table(user_atomic: sgx.Strategy) -> None:
    mine, builtin = (
        sgx.explore_hang(user_atomic, preemption_bound=1),
        sgx.explore_hang("atomic", preemption_bound=1),
    )
    assert (mine.schedules, mine.failing, mine.complete) == (
        builtin.schedules,
        builtin.failing,
        builtin.complete,
    )
    assert np.array_equal(mine.schedules_by_preemptions, builtin.schedules_by_preemptions)
    assert np.array_equal(mine.failing_by_preemptions, builtin.failing_by_preemptions)


def test_a_user_strategy_works_wherever_a_builtin_does(user_atomic: sgx.Strategy) -> None:
    assert sgx.parse_strategy("user_atomic") is user_atomic
    assert user_atomic in sgx.strategies() and not user_atomic.builtin
    pool = sgx.EpcPool("user_atomic", pages_per_node=8)
    page = pool.alloc(node=0)
    assert page is not None and pool.counter == 15
    pool.free(page)
    assert pool.drift == 0
    for engine in sgx.ENGINES:
        assert sgx.hammer("user_atomic", threads=2, ops=20_000, engine=engine).drift == 0
    assert sgx.reclaim_scenario("user_atomic").completed
    assert sgx.read_cost("user_atomic", writers=0, ops=1000).strategy is user_atomic


def test_loading_the_same_header_again_comes_from_the_cache(user_atomic: sgx.Strategy) -> None:
    assert build_strategy(USER_ATOMIC).cached
    assert load_strategy(USER_ATOMIC) is user_atomic


def test_a_copy_of_a_header_elsewhere_is_the_same_build(tmp_path: Path, user_atomic: sgx.Strategy) -> None:
    copy = tmp_path / "copy.hpp"
    shutil.copy(USER_ATOMIC, copy)
    assert build_strategy(copy).cached


def test_a_header_changed_after_it_was_cached_is_rebuilt(tmp_path: Path, user_atomic: sgx.Strategy) -> None:
    changed = variant(tmp_path, "changed.hpp", "PYSGXALLOC_STRATEGY", "// changed\nPYSGXALLOC_STRATEGY")
    build = build_strategy(changed)
    assert not build.cached
    assert build.key != build_strategy(USER_ATOMIC).key
    assert build_strategy(changed).cached


def test_a_change_in_a_file_the_header_includes_from_its_folder_is_a_new_build(tmp_path: Path) -> None:
    from pysgxalloc.user_strategy import _flags, _key, find_compiler

    (tmp_path / "part.hpp").write_text("// one\n")
    header = tmp_path / "main.hpp"
    header.write_text('#include "part.hpp"\n')
    before = _key(header, find_compiler(), _flags(None))
    (tmp_path / "part.hpp").write_text("// two\n")
    assert _key(header, find_compiler(), _flags(None)) != before


def test_a_header_that_does_not_compile_is_an_error_at_its_line(tmp_path: Path) -> None:
    broken = variant(
        tmp_path, "broken.hpp", "count_.value.load(std::memory_order_relaxed)", "count_.value.lod()"
    )
    with pytest.raises(StrategyBuildError) as caught:
        build_strategy(broken)
    line = next(n for n, text in enumerate(broken.read_text().splitlines(), 1) if ".lod()" in text)
    assert caught.value.line == line
    assert caught.value.summary.startswith(f"{broken}:{line}: ")
    assert "lod" in caught.value.summary
    assert any("lod" in text for text in caught.value.excerpt)


def test_a_header_missing_a_member_names_the_member(tmp_path: Path) -> None:
    missing = variant(tmp_path, "missing.hpp", "    long exact() const noexcept { return read(); }\n", "")
    with pytest.raises(
        StrategyBuildError, match=r"strategy has no member `exact\(\) const noexcept -> long`"
    ):
        build_strategy(missing)


def test_a_header_that_declares_no_strategy_says_how_to(tmp_path: Path) -> None:
    bare = variant(tmp_path, "bare.hpp", "PYSGXALLOC_STRATEGY(sgx::SharedCount<UserAtomic>);", "")
    with pytest.raises(StrategyBuildError, match="declares no strategy: end it with PYSGXALLOC_STRATEGY"):
        build_strategy(bare)


def test_a_name_taken_by_a_builtin_is_refused(tmp_path: Path) -> None:
    clash = variant(tmp_path, "clash.hpp", '"user_atomic"', '"atomic"')
    with pytest.raises(ValueError, match="named atomic, which is a built-in strategy's name: rename it"):
        load_strategy(clash)
    assert sgx.parse_strategy("atomic").builtin


def test_a_path_that_does_not_exist_or_is_no_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_strategy(tmp_path / "nowhere.hpp")
    with pytest.raises(ValueError, match="is not a file"):
        load_strategy(tmp_path)
    with pytest.raises(TypeError, match="a path"):
        load_strategy(42)  # type: ignore[arg-type]


def test_a_missing_compiler_says_which_is_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-c++"))
    with pytest.raises(StrategyBuildError, match=r"no C\+\+ compiler: \$CXX is .*C\+\+20 compiler"):
        build_strategy(USER_ATOMIC)


def test_the_build_command_reports_a_compile_error_in_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = variant(
        tmp_path, "broken.hpp", "count_.value.load(std::memory_order_relaxed)", "count_.value.lod()"
    )
    done = cli("build", str(broken))
    assert done.returncode == 2
    first, *rest = done.stderr.splitlines()
    assert first.startswith(f"pysgxalloc build: error: {broken}:")
    assert rest and all(line.startswith("  ") for line in rest)
    assert "Traceback" not in done.stderr


def test_load_on_the_command_line_makes_the_name_work_in_explore(user_atomic: sgx.Strategy) -> None:
    done = cli("explore", "user_atomic", "--threads", "2", "--ops", "1", "--load", str(USER_ATOMIC))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pysgxalloc explore user_atomic:")


def test_the_environments_path_list_makes_the_name_work_in_sweep_and_report(
    tmp_path: Path, user_atomic: sgx.Strategy
) -> None:
    env = {PATH_VARIABLE: os.pathsep.join(["", str(USER_ATOMIC)])}
    saved = tmp_path / "sweep.json"
    sweep = (
        "sweep",
        "--strategies",
        "user_atomic,atomic",
        "--threads",
        "1",
        "--ops",
        "1000",
        "--repeats",
        "1",
    )
    done = cli(*sweep, "--json", str(saved), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "user_atomic" in done.stdout
    report = cli("report", str(saved), "--load", str(USER_ATOMIC), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "user_atomic" in report.stdout


def test_load_of_a_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = cli("explore", "atomic", "--load", str(tmp_path / "nowhere.hpp"))
    assert done.returncode == 2
    missing = str(tmp_path / "nowhere.hpp")
    assert done.stderr.strip().splitlines() == [
        f"pysgxalloc: error: strategy header {missing!r} does not exist (see 'pysgxalloc --help')"
    ]


def test_an_installed_packages_entry_point_ships_a_strategy(
    tmp_path: Path, user_atomic: sgx.Strategy
) -> None:
    (tmp_path / "shipped_counter.py").write_text(f"HEADER = {str(USER_ATOMIC)!r}\n")
    info = tmp_path / "shipped_counter-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shipped-counter\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pysgxalloc.strategies]\nuser_atomic = shipped_counter:HEADER\n")
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = cli("explore", "user_atomic", "--threads", "2", "--ops", "1", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pysgxalloc explore user_atomic:")


@pytest.mark.skipif(tsan_runtime() is None, reason="the C++ compiler has no ThreadSanitizer runtime")
def test_build_sanitize_thread_prints_the_data_race_tsan_reports_in_a_plain_count() -> None:
    done = cli("build", "--sanitize", "thread", str(HERE / "strategies" / "plain_race.hpp"))
    assert done.returncode == 0, done.stderr
    verdict = next(line for line in done.stdout.splitlines() if line.startswith("ThreadSanitizer: "))
    assert "of a data race" in verdict
    assert "WARNING: ThreadSanitizer: data race" in done.stdout


def test_costs_compares_a_loaded_strategy_with_the_builtins_it_is_given(user_atomic: sgx.Strategy) -> None:
    args = ("costs", "--strategies", "user_atomic,atomic", "--repeats", "1", "--ops", "2000", "--rounds", "1")
    done = cli(*args, "--load", str(USER_ATOMIC))
    assert done.returncode == 0, done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines() if line.split()]
    assert "user_atomic" in rows and "atomic" in rows and "per_node" not in rows


def test_the_check_command_reports_a_header_missing_a_member_in_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = variant(tmp_path, "missing.hpp", "    long exact() const noexcept { return read(); }\n", "")
    done = cli("check", str(missing))
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"pysgxalloc check: error: {missing}:")
    assert "strategy has no member `exact() const noexcept -> long`" in first
    assert "Traceback" not in done.stderr
