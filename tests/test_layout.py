"""The layout: csrc/ in layers, each including only itself and the layers below; on the Python side,
commands that import helpers and never another command, and bench scripts on the public API only.

A reader finds a file's room from the tree alone (design.md, section 3), and a
lower layer never reaches up: the counters know nothing of the pool, the model
nothing of the harness that times it, and only the bindings know Python.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parent.parent / "csrc"
#: Lowest first: each may include itself and what stands before it.
LAYERS = ("base", "counters", "model", "harness", "scenario", "explore", "registry", "bindings")
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


# The Python side: every name on its own floor.

PACKAGE = CSRC.parent / "src" / "pysgxalloc"
COMMANDS = PACKAGE / "cli" / "commands"
BENCH = CSRC.parent / "bench"
#: What the bench scripts may import of pysgxalloc: the public surface, and the command's own entry
#: (pyproject.toml's [project.scripts]), as a user's script would.
PUBLIC_MODULES = ("pysgxalloc", "pysgxalloc.analysis", "pysgxalloc.cli.main")


def imported_modules(path: Path) -> list[str]:
    """Every module `path` imports: ``from x import y`` is x, and x.y too where y is no name x exports
    (then it is a module: ``from pysgxalloc import _core``, not ``from pysgxalloc import hammer``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            exported = _exported(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name not in exported)
    return found


def _exported(module: str) -> set[str]:
    """The names a public module exports (its __all__, else its names without a leading _); none
    for any other."""
    if module not in PUBLIC_MODULES:
        return set()
    found = importlib.import_module(module)
    return set(getattr(found, "__all__", [name for name in vars(found) if not name.startswith("_")]))


def commands_imported(path: Path) -> list[str]:
    """The other command modules that the command module `path` imports."""
    prefix = "pysgxalloc.cli.commands."
    own = prefix + path.stem
    return sorted(
        {name for name in imported_modules(path) if name.startswith(prefix) and name != own}
        & {prefix + command.stem for command in COMMANDS.glob("*.py") if command.stem != "__init__"}
    )


def private_imports(path: Path) -> list[str]:
    """The pysgxalloc modules `path` imports that are not public (`PUBLIC_MODULES`)."""
    imported = [name for name in imported_modules(path) if name.split(".")[0] == "pysgxalloc"]
    modules = [name for name in imported if _is_module(name)]
    return sorted({name for name in modules if name not in PUBLIC_MODULES})


def _is_module(name: str) -> bool:
    """A pysgxalloc module (or package) of that dotted name exists: ``from pysgxalloc import hammer``
    names the function, ``from pysgxalloc import _core`` the module."""
    relative = Path(*name.split(".")[1:])
    return (
        name == "pysgxalloc"
        or (PACKAGE / relative).with_suffix(".py").is_file()
        or (PACKAGE / relative / "__init__.py").is_file()
        or (PACKAGE / relative).with_suffix(".pyi").is_file()
    )


@pytest.mark.parametrize("path", sorted(COMMANDS.glob("*.py")), ids=lambda path: path.name)
def test_commands_import_helpers_never_other_commands(path: Path) -> None:
    assert commands_imported(path) == []


def test_the_command_rule_sees_a_command_importing_another(tmp_path: Path) -> None:
    # The check itself must be able to fail: a command that imports the reclaim command's helpers.
    bad = tmp_path / "bad.py"
    bad.write_text("from pysgxalloc.cli.commands.reclaim import run\nfrom pysgxalloc.cli import tables\n")
    assert commands_imported(bad) == ["pysgxalloc.cli.commands.reclaim"]
    bad.write_text("from pysgxalloc.cli.commands import lockup\n")
    assert commands_imported(bad) == ["pysgxalloc.cli.commands.lockup"]


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_bench_files_import_only_public_modules(path: Path) -> None:
    assert private_imports(path) == []


def test_the_bench_rule_sees_a_private_import(tmp_path: Path) -> None:
    # The check itself must be able to fail: the imports the bench scripts used to make.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from pysgxalloc import _core, hammer\nfrom pysgxalloc._checks import as_int\n"
        "import pysgxalloc.cli.arguments\nfrom pysgxalloc.analysis import usable_cpus\n"
    )
    assert private_imports(bad) == ["pysgxalloc._checks", "pysgxalloc._core", "pysgxalloc.cli.arguments"]
