"""The strategy concept's messages: a strategy missing a member fails to compile with one line naming it.

These compile small C++ files against csrc/ with the C++ compiler ($CXX, default c++), as a
user writing their own strategy would (issue 24); they skip when there is no compiler or no
checkout. One translation unit holds a strategy per member, each lacking only that member,
so one compile shows every message and nothing else.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parent.parent / "csrc"

#: Each member, the line that declares it in a complete strategy, and the message its absence gives.
MEMBERS = {
    "name": ('static constexpr std::string_view name = "mine";', "`static constexpr std::string_view name`"),
    "accuracy": (
        "static constexpr Accuracy accuracy = Accuracy::exact;",
        "`static constexpr Accuracy accuracy`",
    ),
    "site": (
        "static constexpr UpdateSite site = UpdateSite::after_node_unlock;",
        "`static constexpr UpdateSite",
    ),
    "pause_policy": ("using pause_policy = Pause;", "member type `pause_policy`"),
    "constructor": ("Mine(NodePages, const CounterOptions&) {}", "constructor `(NodePages pages"),
    "on_alloc": (
        "void on_alloc(unsigned, Slot) noexcept {}",
        "`on_alloc(unsigned node, Slot slot) noexcept`",
    ),
    "on_free": ("void on_free(unsigned, Slot) noexcept {}", "`on_free(unsigned node, Slot slot) noexcept`"),
    "read": ("long read() const noexcept { return 0; }", "`read() const noexcept -> long`"),
    "exact": ("long exact() const noexcept { return 0; }", "`exact() const noexcept -> long`"),
    "read_error_bound": ("long read_error_bound() const noexcept { return 0; }", "`read_error_bound() const"),
    "state_bytes": (
        "std::size_t state_bytes() const noexcept { return 0; }",
        "`state_bytes() const noexcept",
    ),
}


def strategy(type_name: str, leave_out: str | None = None) -> str:
    """A strategy's class template, complete but for `leave_out` (`exact` is there, but not noexcept)."""
    lines = [line for member, (line, _) in MEMBERS.items() if member != leave_out]
    if leave_out == "exact":  # present but wrong: not noexcept
        lines.append("long exact() const { return 0; }")
    body = "\n    ".join(lines).replace("Mine(", f"{type_name}(")
    return f"template <class Pause>\nstruct {type_name} {{\n    {body}\n}};\n"


def compile_source(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    words = shlex.split(os.environ.get("CXX", "")) or ["c++"]
    if shutil.which(words[0]) is None:
        pytest.skip(f"no C++ compiler {words[0]!r}")
    if not CSRC.is_dir():
        pytest.skip("no checkout: csrc/ is not beside tests/")
    path = tmp_path / "mine.cpp"
    path.write_text('#include "counters/strategy_family.hpp"\nusing namespace sgx;\n' + source)
    command = [*words, "-std=c++20", "-fsyntax-only", "-I", str(CSRC), str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def registering(type_name: str) -> str:
    return f"static_assert(check_strategy_family<SharedCount<{type_name}>>());\n"


def test_a_complete_strategy_passes_the_check(tmp_path: Path) -> None:
    done = compile_source(tmp_path, strategy("Complete") + registering("Complete"))
    assert done.returncode == 0, done.stderr


def test_each_missing_member_is_one_message_naming_the_member_and_the_strategy(tmp_path: Path) -> None:
    names = {member: "Lacks_" + member for member in MEMBERS}
    source = "".join(strategy(names[m], leave_out=m) + registering(names[m]) for m in MEMBERS)
    done = compile_source(tmp_path, source)
    assert done.returncode != 0
    failed = [line for line in done.stderr.splitlines() if "static assertion failed: strategy has no" in line]
    assert len(failed) == len(MEMBERS), done.stderr
    for member, (_, message) in MEMBERS.items():
        assert sum(message in line for line in failed) == 1, (member, failed)
        # the compiler's note names the strategy that lacks it
        assert f"C = Lacks_{member}<" in done.stderr, member


def test_a_family_without_its_counter_template_says_so(tmp_path: Path) -> None:
    done = compile_source(
        tmp_path, "struct NoFamily {};\nstatic_assert(check_strategy_family<NoFamily>());\n"
    )
    assert done.returncode != 0
    assert "strategy family has no member `template <class Policies> using counter" in done.stderr
    assert "one_shared_count" in done.stderr
