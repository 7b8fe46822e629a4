"""Pool.churn: one worker's chunk of traffic in C++, the Python engine's building block."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from background import Background

import pysgxalloc as sgx


def test_churn_runs_whole_alloc_free_pairs_and_leaves_the_pool_as_it_found_it() -> None:
    pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=64)
    tally = pool.churn(ops=1001, node=1, slot=0)
    assert tally.ops == 1002  # rounded up to whole alloc-then-free pairs
    assert tally.alloc_failures == 0
    assert pool.counter == pool.true_free == 128
    pool.check_invariant()


def test_churn_counts_allocations_that_found_every_list_empty() -> None:
    pool = sgx.EpcPool("per_node", nodes=2, pages_per_node=3)
    # one iteration of a batch of 10: 6 pages granted, 4 refused, 6 freed
    tally = pool.churn(ops=20, node=0, slot=5, batch=10)
    assert (tally.ops, tally.alloc_failures) == (16, 4)
    assert pool.true_free == 6


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ops": 0}, "ops must be between 1 and"),
        ({"node": 2}, "node must be between 0 and 1, got 2"),
        ({"slot": 1024}, "slot must be between 0 and 1023, got 1024"),
        ({"slot": -1}, "slot must be between 0 and 1023, got -1"),
        ({"batch": 0}, "batch must be between 1 and 65536"),
        ({"work": -1}, "work must be between 0 and"),
    ],
)
def test_churn_refuses_arguments_out_of_range(arguments: dict[str, int], message: str) -> None:
    pool = sgx.EpcPool("atomic")
    with pytest.raises(ValueError, match=message):
        pool.churn(**{"ops": 10, "node": 0, "slot": 0, **arguments})
    assert pool.drift == 0 and pool.true_free == 2 * 4096


def test_churn_refuses_non_integers() -> None:
    pool = sgx.EpcPool("atomic")
    with pytest.raises(TypeError, match="ops must be an int, got float"):
        pool.churn(ops=1e4, node=0, slot=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="slot must be an int, got bool"):
        pool.churn(ops=10, node=0, slot=True)


IN_USE = "slot 3 is in use by another thread"


def churn_long_as_slot_3(pool: sgx.EpcPool, entered: threading.Event) -> None:
    entered.set()
    while True:  # the main thread's short claims may win the slot first; then try again
        try:
            pool.churn(ops=20_000_000, node=0, slot=3)
            return
        except ValueError as error:
            if IN_USE not in str(error):
                raise


@pytest.mark.parametrize(
    "short_call",
    [
        pytest.param(lambda pool: pool.churn(ops=2, node=1, slot=3), id="churn"),
        pytest.param(lambda pool: pool.free(pool.alloc(1, slot=3), slot=3), id="alloc"),
    ],
)
def test_a_slot_another_thread_is_churning_on_is_refused(short_call: Callable[[sgx.EpcPool], object]) -> None:
    pool = sgx.EpcPool("atomic_in_lock")
    entered = threading.Event()
    refusals: list[str] = []
    worker = Background(lambda: churn_long_as_slot_3(pool, entered))
    entered.wait()
    # churn releases the GIL, so this thread keeps running while slot 3 is held
    while worker.is_alive():
        try:
            short_call(pool)
        except ValueError as error:
            refusals.append(str(error))
    worker.join()
    assert refusals and IN_USE in refusals[0]
    # released with the chunk: the slot is free again
    short_call(pool)
    assert pool.churn(ops=2, node=1, slot=3).ops == 2
    pool.check_invariant()


def test_churn_releases_the_gil() -> None:
    pool = sgx.EpcPool("atomic")
    ticks = 0
    worker = Background(lambda: pool.churn(ops=20_000_000, node=0, slot=0))
    while not worker.done.is_set():
        ticks += 1
        worker.done.wait(0.001)
    worker.join()
    # with the GIL held for the whole chunk this thread could not tick more than once or twice
    assert ticks >= 5
