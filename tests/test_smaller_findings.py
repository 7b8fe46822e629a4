"""Issue 22's smaller findings, one test each: misuse gives a clear error, never a silent no-op, an
internal TypeError or pybind11's signature dump."""

from __future__ import annotations

import math

import pytest

import pysgxalloc as sgx
from pysgxalloc.cli._console import terminal_safe


def test_initialising_a_live_pool_again_is_an_error_and_leaves_it_as_it_was() -> None:
    pool = sgx.EpcPool("atomic", pages_per_node=8)
    page = pool.alloc(node=0)
    assert page is not None
    with pytest.raises(TypeError, match="built already"):
        pool.__init__("plain_node_lock", pages_per_node=16)  # type: ignore[misc]
    assert pool.strategy.name == "atomic" and pool.true_free == pool.total_pages - 1
    pool.free(page)


@pytest.mark.parametrize("threads", [1, None])
def test_the_seed_preset_takes_its_own_thread_count_given_or_left_at_the_default(threads: int | None) -> None:
    settings = (
        sgx.ReclaimSettings(preset="seed")
        if threads is None
        else sgx.ReclaimSettings(preset="seed", threads=threads)
    )
    assert settings.threads == 1


def test_the_seed_preset_refuses_another_thread_count() -> None:
    with pytest.raises(ValueError, match="sets threads itself"):
        sgx.ReclaimSettings(preset="seed", threads=3)


@pytest.mark.parametrize(("window", "error"), [(math.nan, TypeError), ("10", TypeError), (-1, ValueError)])
def test_an_update_log_window_must_be_a_count_of_nanoseconds(window: object, error: type[Exception]) -> None:
    log = sgx.reclaim_scenario("plain_node_lock", update_log_limit=1000).update_log
    assert log is not None
    with pytest.raises(error, match="window_ns"):
        log.ksgxd_near_workers(window)  # type: ignore[arg-type]
    with pytest.raises(error, match="window_ns"):
        log.workers_near_each_other(window)  # type: ignore[arg-type]


def test_replaying_a_thread_index_that_does_not_exist_names_the_entry_and_the_range() -> None:
    result = sgx.explore("plain_node_lock", threads=2, ops=1)
    with pytest.raises(ValueError, match=r"schedule entry 0 is 1,099,511,627,776: a thread index, 0 to 1"):
        result.replay([2**40])


def test_the_hang_searchs_worker_limit_says_workers() -> None:
    with pytest.raises(ValueError, match=r"^workers must be between"):
        sgx.explore_hang("plain_node_lock", workers=8)


def test_a_time_limit_too_small_is_printed_as_written() -> None:
    with pytest.raises(ValueError, match=r"got 1e-09$"):
        sgx.explore("atomic", time_limit=1e-9)


@pytest.mark.parametrize("pages", [{0: 4096, 1: 4096}, {4096, 2048}, frozenset({4096})])
def test_pages_per_node_refuses_a_dict_or_a_set(pages: object) -> None:
    with pytest.raises(TypeError, match="sequence of ints in node order"):
        sgx.EpcPool("atomic", pages_per_node=pages)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;pwned\x07\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J"),
        ("host\u202eevil", "host\\u202eevil"),
        ("nul\x00here", "nul\\x00here"),
        ("two\nlines", "two\\x0alines"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("plain café ok", "plain café ok"),
    ],
)
def test_text_from_a_file_is_made_terminal_safe(text: str, shown: str) -> None:
    assert terminal_safe(text) == shown
