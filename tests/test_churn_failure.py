"""A churn() that fails gives back every page it held; the invariant check sees the misuse that made it fail.

Another thread that frees a page churn() holds makes churn()'s own free of it a double
free. Before, churn() raised at once and the rest of its batch stayed allocated with no
owner, and the invariant check, which only compares lists with page flags, saw nothing.
"""

from __future__ import annotations

import contextlib

import pytest
from background import Background

import pysgxalloc as sgx
from pysgxalloc import DoubleFreeError, InvariantError

PAGES = 256  # one batch holds every page of the pool, so every successful free below hits a held page


def churn_while_another_thread_frees_its_pages() -> sgx.EpcPool:
    pool = sgx.EpcPool("atomic", nodes=1, pages_per_node=PAGES)
    failure: list[BaseException] = []

    def churn() -> None:
        try:
            pool.churn(ops=10**9, node=0, slot=0, batch=PAGES)
        except DoubleFreeError as error:
            failure.append(error)

    churning = Background(churn)
    stolen = False
    while not stolen:  # one page only: stealing more would free the pages a failed churn() left behind
        for page in range(PAGES):
            with contextlib.suppress(DoubleFreeError):  # free at this moment: nothing to steal
                pool.free(page)
                stolen = True
                break
    churning.join()
    assert failure, "churn() ended without the double free its pages' theft causes"
    return pool


def test_a_churn_that_fails_gives_back_every_page_it_held() -> None:
    pool = churn_while_another_thread_frees_its_pages()
    assert pool.true_free == PAGES


def test_the_invariant_check_sees_a_free_of_a_page_another_call_held() -> None:
    pool = churn_while_another_thread_frees_its_pages()
    with pytest.raises(InvariantError, match="callers hold"):
        pool.check_invariant()


def test_pages_the_caller_holds_are_no_violation() -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=64)
    held = [pool.alloc(0) for _ in range(10)]
    pool.churn(ops=10_000, node=1, slot=0, batch=8)
    pool.check_invariant()
    for page in held:
        assert page is not None
        pool.free(page)
    pool.check_invariant()
