"""The C++ core's layout: csrc/ in layers, each including only itself and the layers below.

A reader finds a file's room from the tree alone (design.md, section 3), and a
lower layer never reaches up: the counters know nothing of the pool, the model
nothing of the harness that times it, and only the bindings know Python.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parent.parent / "csrc"
#: Lowest first: each may include itself and what stands before it.
LAYERS = ("base", "counters", "model", "harness", "scenario", "explore", "bindings")
PROJECT_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def sources() -> list[Path]:
    return sorted(path for path in CSRC.rglob("*") if path.suffix in {".hpp", ".cpp", ".h", ".cc"})


def includes(path: Path) -> list[str]:
    return PROJECT_INCLUDE.findall(path.read_text())


def layer_of(relative: str) -> str:
    return relative.split("/", 1)[0]


def upward_includes(path: Path, root: Path = CSRC) -> list[str]:
    """The includes of `path` (a file under `root`) that name a higher layer than its own."""
    own = LAYERS.index(layer_of(path.relative_to(root).as_posix()))
    return [included for included in includes(path) if LAYERS.index(layer_of(included)) > own]


def test_csrc_has_no_source_file_at_its_top_level() -> None:
    assert [path.name for path in sources() if path.parent == CSRC] == []


def test_every_source_file_sits_in_a_known_layer() -> None:
    rooms = {layer_of(path.relative_to(CSRC).as_posix()) for path in sources()}
    assert rooms <= set(LAYERS)


@pytest.mark.parametrize("path", sources(), ids=lambda path: path.relative_to(CSRC).as_posix())
def test_includes_are_rooted_at_csrc_and_name_an_existing_file(path: Path) -> None:
    for included in includes(path):
        assert ".." not in Path(included).parts, f"{included!r}: include from csrc/, never '../'"
        assert (CSRC / included).is_file(), f"{included!r} is not a file under csrc/"


@pytest.mark.parametrize("path", sources(), ids=lambda path: path.relative_to(CSRC).as_posix())
def test_includes_point_down_the_layers(path: Path) -> None:
    assert upward_includes(path) == []


def test_the_layer_check_sees_an_upward_include(tmp_path: Path) -> None:
    # The check itself must be able to fail: a counters file that includes the model.
    counters = tmp_path / "counters"
    counters.mkdir()
    (counters / "bad.hpp").write_text('#include "model/epc_pool.hpp"\n')
    assert upward_includes(counters / "bad.hpp", root=tmp_path) == ["model/epc_pool.hpp"]
