"""Every code block of the README and the docs runs, and every pasted output is what its command prints.

Commands run as written, in a scratch folder per page (with `bench/` linked in), except:

- `NOT_RUN`: installs, the test suite itself and the docs server; each says why, and those CI runs
  must appear in `.ci/run` word for word;
- `SMALLER`: commands that take minutes run with fewer runs, and nothing else changed (a test
  checks that only run counts differ).

Pasted outputs are compared by structure, not figures (tests/docs_blocks.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_blocks import (
    PAGES,
    ROOT,
    Block,
    blocks,
    commands,
    differences,
    markdown_table_differences,
    printed_tables,
)

#: Commands the tests do not run, and why; "CI:" ones must be in .ci/run as written.
NOT_RUN = {
    "python -m pip install .": "installs the package (CI installs it with its test extra, below)",
    'python -m pip install ".[test]"': "CI: installs the package and the test tools",
    "python -m pytest": "CI: the test suite this test is part of",
    "python -m pytest bench/ --benchmark-disable": "CI: every benchmark once, as a test (minutes)",
    "ruff check .": "CI: lint",
    "ruff format --check .": "CI: format",
    "mypy": "CI: types",
    "python -m mkdocs build --strict": "CI: the docs build",
    "python -m mkdocs serve": "serves the site until Ctrl-C (CI builds it instead)",
    'python -m pip install ".[plot]"': "installs the package with matplotlib",
    "python -m pip install scikit-build-core pybind11 cmake ninja": "installs the build tools",
    (
        "python -m pip install --no-build-isolation -Ceditable.rebuild=true -Ceditable.verbose=false "
        '-ve ".[test,dev,docs]"'
    ): "installs the package for development (minutes of C++ build the first time)",
}

#: docs/your-counter.md's costs of a loaded strategy beside two built-ins.
_SLOPPY_COSTS = (
    "python -m pysgxalloc costs --strategies atomic,per_node,sloppy_exact "
    "--load examples/strategies/sloppy_exact.hpp"
)
#: Run counts of commands that take minutes as written: the same command with fewer runs.
SMALLER = {
    "python -m pysgxalloc": "python -m pysgxalloc --repeats 2 --reclaim-runs 1",
    "python -m pysgxalloc reclaim --runs 50": "python -m pysgxalloc reclaim --runs 2",
    "python -m pysgxalloc lockup --runs 20": "python -m pysgxalloc lockup --runs 2",
    "python -m pysgxalloc costs --pin": "python -m pysgxalloc costs --pin --repeats 1",
    _SLOPPY_COSTS: f"{_SLOPPY_COSTS} --repeats 1",
    "python bench/lost_updates.py": "python bench/lost_updates.py --repeats 2",
    "python bench/layout_drift.py": "python bench/layout_drift.py --fills 2 --hammers 1 --hangs 1",
    "pysgxalloc sweep --json laptop.json --csv laptop.csv --plot laptop.png": (
        "pysgxalloc sweep --json laptop.json --csv laptop.csv --plot laptop.png --repeats 1"
    ),
}
#: The options a smaller run may change or add: how many runs, nothing else.
RUN_COUNTS = ("--runs", "--repeats", "--reclaim-runs", "--fills", "--hammers", "--hangs")

CI = (ROOT / ".ci" / "run").read_text()
_printed: dict[str, str] = {}  # command -> stdout, shared by pages that show the same command


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to run a page's commands in, with the repository's bench/ and examples/ linked in."""
    (tmp_path / "bench").symlink_to(ROOT / "bench")
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the strategy headers docs/your-counter.md builds
    # One build cache for every page's strategy builds, away from the user's own.
    monkeypatch.setenv(
        "PYSGXALLOC_CACHE_DIR", str(Path(tempfile.gettempdir()) / "pysgxalloc-docs-strategy-cache")
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(command: str, cwd: Path) -> str:
    """`command` (or its smaller version), its stdout; fails the test on a nonzero exit."""
    if command in NOT_RUN:
        return ""
    actual = SMALLER.get(command, command)
    writes_files = any(flag in actual for flag in ("--json", "--csv", "--plot"))
    if not writes_files and actual in _printed:
        return _printed[actual]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["COLUMNS"] = "200"  # as wide as the pasted outputs (rich reads it when not on a terminal)
    done = subprocess.run(
        actual, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{actual!r} exited with {done.returncode}:\n{done.stderr[-3000:]}"
    _printed[actual] = done.stdout
    return done.stdout


def runnable_with_output(page: Path) -> Iterator[tuple[Block, Block | None]]:
    """Each sh or python block, with the output block after it (None where none follows)."""
    found = blocks(page)
    for index, block in enumerate(found):
        if block.language in ("sh", "python"):
            after = found[index + 1] if index + 1 < len(found) else None
            yield block, after if after is not None and after.language == "output" else None


def test_every_block_is_one_the_tests_know() -> None:
    for page in PAGES:
        for block in blocks(page):
            assert block.language in ("sh", "python", "output"), f"{block}: say sh, python or output"


def test_every_output_block_follows_the_block_whose_output_it_is() -> None:
    for page in PAGES:
        found = blocks(page)
        for index, block in enumerate(found):
            if block.language != "output":
                continue
            before = found[index - 1] if index else None
            assert before is not None and before.language in ("sh", "python"), f"{block}: output of what?"
            if before.language == "sh":
                assert len(commands(before)) == 1, f"{before}: an output block needs one command before it"


def test_the_readme_is_a_front_door_of_at_most_150_lines() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 150


def test_commands_not_run_here_are_run_by_ci_as_written() -> None:
    for command, reason in NOT_RUN.items():
        if reason.startswith("CI:"):
            assert command in CI, f"{command!r} is not in .ci/run"
    assert 'python -m pip install ".[test]" && python -m pytest' in CI  # the README's test command


def test_a_smaller_run_changes_only_run_counts() -> None:
    def without_counts(command: str) -> list[str]:
        words = command.split()
        counts = {i for i, w in enumerate(words) if w in RUN_COUNTS}
        return [w for i, w in enumerate(words) if i not in counts and i - 1 not in counts]

    for command, smaller in SMALLER.items():
        assert without_counts(command) == without_counts(smaller), (command, smaller)


def test_every_listed_command_is_still_in_the_docs() -> None:
    shown = {
        part.strip()
        for page in PAGES
        for b in blocks(page)
        if b.language == "sh"
        for c in commands(b)
        for part in c.split("&&")
    }
    stale = [command for command in (*NOT_RUN, *SMALLER) if command not in shown]
    assert stale == [], "listed here but shown nowhere"


#: The pages whose blocks build a strategy of the user's with the compiler.
BUILDING = {"your-counter.md"}
PAGES_RUN = [
    pytest.param(page, marks=pytest.mark.compiles) if page.name in BUILDING else page for page in PAGES
]


@pytest.mark.parametrize("page", PAGES_RUN, ids=page_id)
def test_the_pages_blocks_run_in_order_and_print_what_is_pasted(page: Path, scratch: Path) -> None:
    # In the page's order, in one folder, as a reader would: a python block may read the file an sh
    # block before it wrote, and a page's python blocks share one namespace.
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block, output in runnable_with_output(page):
        if block.language == "sh":
            printed = ""
            for command in commands(block):
                for part in command.split("&&"):
                    printed = run(part.strip(), scratch)
            if output is not None:
                assert differences(output.text, printed) == [], f"{output} against {commands(block)}"
            continue
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.text, str(block), "exec"), namespace)  # the page's own code
        if output is not None:
            assert differences(output.text, captured.getvalue()) == [], str(output)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_the_pages_printed_tables_are_what_their_scripts_print(page: Path, scratch: Path) -> None:
    for table in printed_tables(page):
        printed = run(table.command, scratch)
        assert markdown_table_differences(table.table, printed) == [], table.command


def test_no_page_installs_pysgxalloc_from_an_index() -> None:
    for page in PAGES:
        assert "pysgxalloc[" not in page.read_text(), page  # it is on no index: only a checkout installs it


def test_the_readmes_links_lead_to_files_that_exist() -> None:
    # the site's own links are checked by mkdocs build --strict; the README is not part of the site
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert targets
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert missing == []


def test_the_api_page_shows_every_public_function_named_like_its_module() -> None:
    # the generator cannot show sgx.hammer (a function) beside pysgxalloc/hammer.py (a module)
    # under `::: pysgxalloc`, so each such function needs a block of its own
    import importlib.util

    import pysgxalloc as sgx

    api = (ROOT / "docs" / "api.md").read_text()
    shadowed = [name for name in sgx.__all__ if importlib.util.find_spec(f"pysgxalloc.{name}") is not None]
    assert shadowed, "expected sgx.hammer and the like"
    assert [name for name in shadowed if f"::: pysgxalloc.{name}.{name}" not in api] == []
