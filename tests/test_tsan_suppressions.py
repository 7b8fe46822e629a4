"""The ThreadSanitizer suppressions stay one frame outside our code, so no report in csrc/ can hide."""

from __future__ import annotations

from pathlib import Path

SUPPRESSIONS = Path(__file__).parent / "sanitized" / "tsan.supp"


def test_the_only_suppression_is_pybind11s_loader_life_support_destructor() -> None:
    entries = [
        line.strip()
        for line in SUPPRESSIONS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert entries == ["race:pybind11::detail::loader_life_support::~loader_life_support"]


def test_ci_hands_the_suppressions_to_the_sanitized_tests() -> None:
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "suppressions=$PWD/tests/sanitized/tsan.supp" in ci
