"""The docs tests' comparison of a pasted output with a fresh one: figures may change, structure may not."""

from __future__ import annotations

from docs_blocks import differences

PASTED = """pysgxalloc reclaim: 2 fault workers pinned + 1 reclaimer on 2 usable CPUs
                 Reclaim scenario: does the run hang?
                         hung/
 strategy         exact   runs  stalled
───────────────────────────────────────
 plain_node_lock  no       3/3        0
 atomic           yes      0/3        0
plain_node_lock hung in 3 of 3 runs (counter off by +462 .. +534 at the hang); atomic never hung.
"""


def test_other_figures_and_a_reworded_verdict_keep_the_structure() -> None:
    fresh = PASTED.replace("3/3", "1/3").replace(
        "plain_node_lock hung in 3 of 3 runs (counter off by +462 .. +534 at the hang); atomic never hung.",
        "plain_node_lock, atomic never hung.",
    )
    assert differences(PASTED, fresh) == []


def test_a_row_the_command_no_longer_prints_is_found() -> None:
    fresh = PASTED.replace(" atomic           yes      0/3        0\n", "")
    assert differences(PASTED, fresh)


def test_a_renamed_column_is_found() -> None:
    assert differences(PASTED, PASTED.replace("stalled", "starved"))


def test_a_line_the_paste_lacks_is_found_unless_it_marks_a_gap() -> None:
    fresh = PASTED + "BUG: exact strategies hung: atomic.\n"
    assert differences(PASTED, fresh)
    assert differences(PASTED + "[...]\n", fresh) == []


def test_a_different_command_is_found_by_its_first_line() -> None:
    assert differences(PASTED, PASTED.replace("pysgxalloc reclaim:", "pysgxalloc lockup:"))
