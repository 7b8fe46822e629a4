"""A user's counter strategy, from a C++ header to a registered `Strategy`.

``load_strategy("my_counter.hpp")`` generates a tiny extension module that includes the header
and instantiates every harness for the strategy it declares (``PYSGXALLOC_STRATEGY(...)``, the
module template ``share/pysgxalloc/strategy_module.cpp.in``), compiles it with the C++ compiler
(``$CXX``, else ``c++``, ``g++`` or ``clang++`` on ``PATH``) against the headers the package
ships (`get_include`), imports it and registers its entry in the core's registry. From then on
the strategy's name works wherever a built-in's does.

Builds are cached in ``$PYSGXALLOC_CACHE_DIR``, else ``$XDG_CACHE_HOME/pysgxalloc``, else
``~/.cache/pysgxalloc``, under a key made of the header's content and that of every file it
includes with ``#include "..."`` from its own folder (followed recursively), the package's
version and shipped headers, the compiler and its version, and the flags. A second load of the
same header is an import of the cached module, with no compiler run.

Compiling a header runs its code: constant expressions at build time, and everything else in
this process once it is loaded. Build only headers you would run.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Literal

from pysgxalloc import _core
from pysgxalloc._core import Strategy
from pysgxalloc._version import installed_version
from pysgxalloc.errors import StrategyBuildError

Sanitizer = Literal["thread"]

#: The entry-point group through which an installed package ships strategies: each entry point
#: names a header path (str or os.PathLike), a module with an ``entry`` capsule (one built with
#: the CMake package's ``pysgxalloc_add_strategy``), or a callable returning either.
ENTRY_POINT_GROUP = "pysgxalloc.strategies"
#: The environment variable with header paths to load, separated by os.pathsep.
PATH_VARIABLE = "PYSGXALLOC_STRATEGIES"
#: The environment variable that moves the build cache.
CACHE_VARIABLE = "PYSGXALLOC_CACHE_DIR"

#: What every build compiles with; the sanitizer's replace the optimisation flags.
BASE_FLAGS = ("-std=c++20", "-fPIC", "-shared", "-fvisibility=hidden", "-pthread", "-Wall", "-Wextra")
OPTIMISE_FLAGS = {
    None: ("-O3", "-DNDEBUG"),
    "thread": ("-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=thread"),
}
#: How long one build may take before it is stopped (a header whose templates never end).
BUILD_TIMEOUT_SECONDS = 900
#: How many lines of the compiler's first messages an error carries.
EXCERPT_LINES = 12

_QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
_DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<column>\d+):)? (?P<kind>fatal error|error): (?P<text>.*)$"
)
_INSTANTIATED_CLASS = re.compile(r"\[with (?:C|Family) = (?:sgx::)?(?P<name>[A-Za-z_]\w*)")


def package_dir() -> Path:
    """Where the installed package's compiled files are: the core, the headers, the CMake package."""
    return Path(_core.__file__).resolve().parent


def get_include() -> str:
    """The folder of the headers a strategy builds against (``#include <pysgxalloc/strategy.hpp>``)."""
    return str(package_dir() / "include")


def get_cmake_dir() -> str:
    """The folder of pysgxalloc's CMake package (``find_package(pysgxalloc CONFIG)``'s ``pysgxalloc_DIR``)."""
    return str(package_dir() / "share" / "cmake" / "pysgxalloc")


def _share() -> Path:
    return package_dir() / "share" / "pysgxalloc"


def entry_sources() -> tuple[Path, ...]:
    """The core's sources a strategy module compiles besides its own (the settings' checks, the
    explorer's scheduler): a module cannot link to them in the core, which Python loads privately."""
    return tuple(sorted((_share() / "src").rglob("*.cpp")))


def cache_dir() -> Path:
    """Where builds are cached: $PYSGXALLOC_CACHE_DIR, $XDG_CACHE_HOME/pysgxalloc or ~/.cache/pysgxalloc."""
    if explicit := os.environ.get(CACHE_VARIABLE):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pysgxalloc"


@dataclass(frozen=True)
class Compiler:
    """The C++ compiler a build runs: its command (``$CXX`` split as a shell would) and what
    ``--version`` printed first (part of the cache key)."""

    command: tuple[str, ...]
    version: str


def find_compiler() -> Compiler:
    """$CXX, else the first of c++, g++ and clang++ on PATH; StrategyBuildError says which is needed."""
    chosen = os.environ.get("CXX", "").strip()
    if chosen:
        command = tuple(shlex.split(chosen))
        if shutil.which(command[0]) is None:
            raise StrategyBuildError(
                f"no C++ compiler: $CXX is {chosen!r}, which is not an executable on PATH; "
                "building a strategy needs a C++20 compiler (g++ 11 or later, or clang++ 14 or later "
                "with libstdc++), the same kind that built pysgxalloc's core"
            )
    else:
        found = next((name for name in ("c++", "g++", "clang++") if shutil.which(name)), None)
        if found is None:
            raise StrategyBuildError(
                "no C++ compiler: building a strategy needs a C++20 compiler (g++ 11 or later, or "
                "clang++ 14 or later with libstdc++) as c++, g++ or clang++ on PATH, or named by $CXX"
            )
        command = (found,)
    return Compiler(command, _compiler_version(command))


@cache
def _compiler_version(command: tuple[str, ...]) -> str:
    try:
        done = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as error:
        raise StrategyBuildError(f"the C++ compiler {shlex.join(command)} could not run: {error}") from None
    first = (done.stdout or done.stderr).strip().splitlines()
    return f"{shutil.which(command[0])} {first[0] if first else ''}"


@cache
def _package_fingerprint() -> str:
    """The package's version and every file a build reads from it: a development install whose
    headers changed under the same version gets new builds, not stale ones."""
    digest = hashlib.sha256(installed_version().encode())
    for root in (package_dir() / "include", _share()):
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def user_files(header: Path) -> list[Path]:
    """`header` and every file it includes with ``#include "..."`` found from the including file's
    own folder, recursively: what the user wrote, which the cache key covers."""
    seen: list[Path] = []
    pending = [header]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.append(path)
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for included in _QUOTED_INCLUDE.findall(text):
            candidate = (path.parent / included).resolve()
            if candidate.is_file():
                pending.append(candidate)
    return seen


@dataclass(frozen=True)
class StrategyBuild:
    """One built strategy module: the header it came from, the module file, its cache key, and
    whether this call compiled it (``cached`` False) or found it built, with the seconds either took."""

    header: Path
    module_path: Path
    module_name: str
    key: str
    cached: bool
    seconds: float
    sanitizer: Sanitizer | None
    compiler: Compiler


def resolve_header(path: str | os.PathLike[str]) -> Path:
    """`path` as an absolute path to a readable file; ValueError / TypeError say what is wrong."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"a strategy header is a path (str or os.PathLike), got {type(path).__name__}")
    given = Path(path)
    if not given.exists():
        raise ValueError(f"strategy header {str(given)!r} does not exist")
    if not given.is_file():
        raise ValueError(f"strategy header {str(given)!r} is not a file")
    resolved = given.resolve()
    if any(c in str(resolved) for c in '"\n\r'):
        raise ValueError(
            f"strategy header {str(resolved)!r}: a path with a quote or a line break cannot be included"
        )
    return resolved


def _flags(sanitizer: Sanitizer | None) -> tuple[str, ...]:
    if sanitizer not in OPTIMISE_FLAGS:
        raise ValueError(f"sanitize must be None or 'thread', got {sanitizer!r}")
    return BASE_FLAGS + OPTIMISE_FLAGS[sanitizer]


def _key(header: Path, compiler: Compiler, flags: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for part in (_package_fingerprint(), compiler.version, shlex.join(compiler.command), " ".join(flags)):
        digest.update(part.encode() + b"\0")
    # By content, not by path: a copy of a header elsewhere is the same build.
    for path in user_files(header):
        where = "" if path == header else os.path.relpath(path, header.parent)
        digest.update(where.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def build_strategy(path: str | os.PathLike[str], *, sanitize: Sanitizer | None = None) -> StrategyBuild:
    """Build the strategy that the header at `path` declares into an extension module, or find it
    in the cache; nothing is imported. ``sanitize="thread"`` builds it under ThreadSanitizer
    (such a module loads only into a process that has the runtime preloaded: `tsan_hammer`).

    StrategyBuildError when it does not compile (the compiler's first messages, the header's
    line) or no compiler is found; ValueError when `path` is no file.
    """
    started = time.perf_counter()
    header = resolve_header(path)
    flags = _flags(sanitize)
    compiler = find_compiler()
    key = _key(header, compiler, flags)
    module_name = f"_pysgxalloc_strategy_{key}"
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    folder = cache_dir() / "strategies" / key
    module_path = folder / f"{module_name}{suffix}"
    if module_path.is_file():
        return StrategyBuild(
            header, module_path, module_name, key, True, time.perf_counter() - started, sanitize, compiler
        )
    folder.mkdir(parents=True, exist_ok=True)
    template = (_share() / "strategy_module.cpp.in").read_text()
    source = (
        template.replace("@SGX_HEADER@", str(header))
        .replace("@SGX_HEADER_NAME@", header.name)
        .replace("@SGX_MODULE@", module_name)
    )
    objects = entry_objects(compiler, flags)
    with tempfile.TemporaryDirectory(dir=folder, prefix="build-") as scratch:
        generated = Path(scratch) / f"{module_name}.cpp"
        generated.write_text(source)
        built = Path(scratch) / module_path.name
        done = _compile(
            compiler, [*flags, str(generated), *(str(o) for o in objects), "-o", str(built)], header
        )
        if done.returncode != 0:
            raise compile_error(header, generated, done.stdout + done.stderr)
        # Another process building the same key at once writes the same bytes: the last rename wins.
        os.replace(built, module_path)
    return StrategyBuild(
        header, module_path, module_name, key, False, time.perf_counter() - started, sanitize, compiler
    )


def _compile(
    compiler: Compiler, arguments: list[str], header: Path | None
) -> subprocess.CompletedProcess[str]:
    command = [
        *compiler.command,
        "-fdiagnostics-color=never",
        f"-I{get_include()}",
        f"-I{sysconfig.get_paths()['include']}",
        *arguments,
    ]
    where = header.parent if header is not None else None
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False, cwd=where
        )
    except subprocess.TimeoutExpired:
        raise StrategyBuildError(
            f"{header}: the compiler ran past {BUILD_TIMEOUT_SECONDS} s and was stopped", header=header
        ) from None
    except OSError as error:
        raise StrategyBuildError(
            f"the C++ compiler {shlex.join(compiler.command)} could not run: {error}"
        ) from None


def entry_objects(compiler: Compiler, flags: tuple[str, ...]) -> list[Path]:
    """The entry's sources (`entry_sources`) compiled once per package, compiler and flags, and
    cached: a strategy's build then compiles its one generated file and links these."""
    digest = hashlib.sha256()
    for part in (_package_fingerprint(), compiler.version, shlex.join(compiler.command), " ".join(flags)):
        digest.update(part.encode() + b"\0")
    folder = cache_dir() / "objects" / digest.hexdigest()[:24]
    sources = entry_sources()
    objects = [folder / f"{source.parent.name}_{source.stem}.o" for source in sources]
    if all(o.is_file() for o in objects):
        return objects
    folder.mkdir(parents=True, exist_ok=True)
    compile_flags = [f for f in flags if f != "-shared"]
    with tempfile.TemporaryDirectory(dir=folder, prefix="build-") as scratch:
        for source, target in zip(sources, objects, strict=True):
            built = Path(scratch) / target.name
            done = _compile(compiler, [*compile_flags, "-c", str(source), "-o", str(built)], None)
            if done.returncode != 0:
                output = done.stdout + done.stderr
                raise StrategyBuildError(
                    f"pysgxalloc's own {source.name} did not compile with {compiler.version}: building a "
                    "strategy needs a C++20 compiler (g++ 11 or later, clang++ 14 or later)",
                    excerpt=tuple(output.splitlines()[:EXCERPT_LINES]),
                    compiler_output=output,
                )
            os.replace(built, target)
    return objects


def compile_error(header: Path, generated: Path, output: str) -> StrategyBuildError:
    """The StrategyBuildError for a failed compile: the first error, where the header is to blame
    (the error's own line in it, or the line of the class the concept's checks name), and the
    compiler's first messages."""
    lines = output.splitlines()
    errors = [(index, m) for index, text in enumerate(lines) if (m := _DIAGNOSTIC.match(text))]
    if not errors:
        excerpt = tuple(lines[:EXCERPT_LINES])
        return StrategyBuildError(
            f"{header}: the compiler failed", header=header, excerpt=excerpt, compiler_output=output
        )
    index, first = errors[0]
    text = first["text"].replace(str(generated), "the generated module")
    line: int | None = None
    in_header = [m for _, m in errors if Path(m["path"]).resolve() == header]
    if in_header:
        line = int(in_header[0]["line"])
        if Path(first["path"]).resolve() != header:
            text = in_header[0]["text"]
    elif (named := _INSTANTIATED_CLASS.search(output)) is not None:
        line = _declaration_line(header, named["name"])
    if "declares no strategy" in text:
        line = None
    where = f"{header}:{line}" if line is not None else str(header)
    count = len(errors)
    summary = (
        f"{where}: {text} ({count} error{'s' if count != 1 else ''}; the compiler's first messages follow)"
    )
    start = max(0, index - 2)
    excerpt = tuple(
        t.replace(str(generated), "<generated module>") for t in lines[start : start + EXCERPT_LINES]
    )
    return StrategyBuildError(summary, header=header, line=line, excerpt=excerpt, compiler_output=output)


def _declaration_line(header: Path, name: str) -> int | None:
    pattern = re.compile(rf"\b(?:class|struct)\s+{re.escape(name)}\b")
    for number, text in enumerate(header.read_text(errors="replace").splitlines(), start=1):
        if pattern.search(text):
            return number
    return None


#: Modules imported in this process, by module name, with the strategy each registered.
_loaded: dict[str, Strategy] = {}
#: The header each loaded strategy came from, by strategy name.
_sources: dict[str, Path] = {}


def import_module(build: StrategyBuild) -> ModuleType:
    """Import a built module (once per process: Python never unloads an extension module)."""
    if (present := sys.modules.get(build.module_name)) is not None:
        return present
    loader = importlib.machinery.ExtensionFileLoader(build.module_name, str(build.module_path))
    spec = importlib.util.spec_from_file_location(build.module_name, build.module_path, loader=loader)
    if spec is None:  # pragma: no cover - a file path with a loader always gives a spec
        raise StrategyBuildError(f"{build.module_path}: not an extension module")
    module = importlib.util.module_from_spec(spec)
    try:
        loader.exec_module(module)
    except ImportError as error:
        raise StrategyBuildError(
            f"{build.header}: its built module did not load: {error}", header=build.header
        ) from None
    sys.modules[build.module_name] = module
    return module


def register_module(module: ModuleType | object, *, source: str) -> Strategy:
    """Register the strategy of a module built against pysgxalloc's headers (its ``entry`` capsule);
    `source` names where it came from in errors. A name taken by a built-in or by another strategy
    is a ValueError saying so."""
    entry = getattr(module, "entry", None)
    name = getattr(module, "name", None)
    if entry is None:
        raise TypeError(f"{source} has no `entry`: it is not a module built against pysgxalloc's headers")
    if isinstance(name, str) and (known := _known(name)) is not None:
        if known.builtin:
            raise ValueError(
                f"{source} declares a strategy named {name}, which is a built-in strategy's name: rename it "
                "(its `static constexpr std::string_view name`)"
            )
        earlier = _sources.get(name)
        where = f" from {earlier}" if earlier is not None else ""
        raise ValueError(
            f"{source} declares a strategy named {name}, which is already registered{where} in this process: "
            "rename it, or start a new process to load a changed header"
        )
    return _core.register_strategy(entry)


def _known(name: str) -> Strategy | None:
    return next((s for s in _core.strategies() if s.name == name), None)


def load_strategy(path: str | os.PathLike[str]) -> Strategy:
    """Build (or find cached) the strategy the header at `path` declares, import it and register it;
    returns its `Strategy`, whose name then works wherever a built-in's does.

    Loading the same header again returns the same Strategy. StrategyBuildError when it does not
    compile or no compiler is found; ValueError for a missing file or a name that is taken (a
    built-in's, or another header's in this process); TypeError for a path of the wrong type.
    Compiling a header runs its code: build only headers you would run.
    """
    build = build_strategy(path)
    if (strategy := _loaded.get(build.module_name)) is not None:
        return strategy
    module = import_module(build)
    strategy = register_module(module, source=str(build.header))
    _loaded[build.module_name] = strategy
    _sources[strategy.name] = build.header
    return strategy


def source_of(strategy: Strategy) -> Path | None:
    """The header a loaded strategy came from, or None (a built-in, or one registered otherwise)."""
    return _sources.get(strategy.name)


def load_strategies(paths: Iterable[str | os.PathLike[str]]) -> tuple[Strategy, ...]:
    """`load_strategy` for each path, in order."""
    return tuple(load_strategy(path) for path in paths)


def paths_from_environment() -> list[str]:
    """The header paths in $PYSGXALLOC_STRATEGIES (os.pathsep-separated; empty items skipped)."""
    return [item for item in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if item.strip()]


def load_entry_points() -> tuple[Strategy, ...]:
    """Load every strategy installed packages ship in the entry-point group ``pysgxalloc.strategies``."""
    loaded = []
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        target = point.load()
        if callable(target) and not isinstance(target, ModuleType):
            target = target()
        source = f"entry point {point.name} ({point.value})"
        if isinstance(target, (str, os.PathLike)):
            loaded.append(load_strategy(target))
        elif isinstance(target, ModuleType) and hasattr(target, "entry"):
            name = getattr(target, "name", None)
            already = _known(name) if isinstance(name, str) else None
            if already is not None and not already.builtin and name not in _sources:
                loaded.append(already)  # registered by an earlier call
                continue
            loaded.append(register_module(target, source=source))
        else:
            raise TypeError(
                f"{source} gives {type(target).__name__}; it must give a header path, a module with an "
                "`entry`, or a callable returning one"
            )
    return tuple(loaded)


def load_plugins() -> tuple[Strategy, ...]:
    """Load the strategies this environment names: every header in $PYSGXALLOC_STRATEGIES, then
    every entry point in ``pysgxalloc.strategies``. The command line does this before it reads
    its arguments, so their names work in ``--strategies``."""
    return load_strategies(paths_from_environment()) + load_entry_points()
