"""percpu_batch, lib/percpu_counter.c's design: each slot's delta is folded into the global count when
its absolute value reaches the batch; the cheap read is the global count, within (batch - 1) per slot in
use of the truth at any quiescent point, and the exact read is the truth."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pysgxalloc as sgx
from pysgxalloc.machine import usable_cpus


@dataclass
class PercpuModel:
    """The specification, in Python: per-slot deltas folded into a global count at |delta| >= batch."""

    batch: int
    count: int
    deltas: dict[int, int] = field(default_factory=dict)

    def add(self, slot: int, amount: int) -> None:
        delta = self.deltas.get(slot, 0) + amount
        if abs(delta) >= self.batch:
            self.count += delta
            delta = 0
        self.deltas[slot] = delta

    @property
    def exact(self) -> int:
        return self.count + sum(self.deltas.values())


def percpu_pool(counter_batch: int, pages: int = 64) -> sgx.EpcPool:
    return sgx.EpcPool("percpu_batch", nodes=1, pages_per_node=pages, counter_batch=counter_batch)


def test_the_cheap_read_moves_only_when_a_delta_reaches_the_batch() -> None:
    pool = percpu_pool(counter_batch=4)
    cheap = []
    for _ in range(4):
        pool.alloc(0)
        cheap.append(pool.counter)
    assert cheap == [64, 64, 64, 60]  # three updates wait in the slot; the fourth folds all four
    assert pool.exact_count == pool.true_free == 60


def test_a_delta_folds_on_reaching_the_batch_in_either_direction() -> None:
    pool = percpu_pool(counter_batch=4)
    pages = [pool.alloc(0) for _ in range(6)]  # folds -4, keeps -2
    assert (pool.counter, pool.exact_count) == (60, 58)
    cheap = []
    for page in pages:
        assert page is not None
        pool.free(page)
        cheap.append(pool.counter)
    # the delta climbs -1, 0, +1, +2, +3 and folds at +4, on the sixth free
    assert cheap == [60, 60, 60, 60, 60, 64]
    assert pool.exact_count == pool.true_free == 64


def test_a_batch_of_one_folds_every_update_so_the_cheap_read_is_exact() -> None:
    pool = percpu_pool(counter_batch=1)
    for _ in range(5):
        pool.alloc(0)
        assert pool.counter == pool.exact_count == pool.true_free


def test_slots_fold_independently() -> None:
    pool = percpu_pool(counter_batch=3)
    pool.alloc(0, slot=0)
    pool.alloc(0, slot=0)
    pool.alloc(0, slot=1)
    pool.alloc(0, slot=1)
    # four allocations, but no slot reached 3: nothing folded
    assert (pool.counter, pool.exact_count) == (64, 60)
    pool.alloc(0, slot=0)
    assert (pool.counter, pool.exact_count) == (61, 59)


def test_the_error_bound_counts_the_slots_in_use() -> None:
    pool = percpu_pool(counter_batch=10)
    assert pool.read_error_bound == 0
    pool.alloc(0, slot=5)
    assert pool.read_error_bound == 9
    pool.alloc(0, slot=5)
    pool.alloc(0, slot=sgx.CALLER_SLOT)
    assert pool.read_error_bound == 18


def test_the_default_batch_is_the_kernels_max_of_32_and_twice_the_cpus() -> None:
    assert sgx.default_counter_batch() == max(32, 2 * usable_cpus())
    assert sgx.EpcPool("percpu_batch").counter_batch == sgx.default_counter_batch()
    assert sgx.hammer("percpu_batch", threads=1, ops=10).counter_batch == sgx.default_counter_batch()


@settings(max_examples=150, deadline=None)
@given(
    counter_batch=st.integers(1, 9),
    steps=st.lists(
        st.tuples(st.booleans(), st.sampled_from([0, 1, 2, 7, sgx.MAX_THREADS - 1, sgx.CALLER_SLOT])),
        max_size=120,
    ),
)
def test_the_cheap_read_follows_the_fold_rule_and_stays_within_the_bound(
    counter_batch: int, steps: list[tuple[bool, int]]
) -> None:
    pool = percpu_pool(counter_batch, pages=16)
    model = PercpuModel(batch=counter_batch, count=16)
    held: dict[int, list[int]] = {}
    for allocate, slot in steps:
        mine = held.setdefault(slot, [])
        if allocate or not mine:
            page = pool.alloc(0, slot=slot)
            if page is None:
                continue  # a failed allocation changes no count
            mine.append(page)
            model.add(slot, -1)
        else:
            pool.free(mine.pop(), slot=slot)
            model.add(slot, +1)
        used = len(model.deltas)
        assert pool.counter == model.count
        assert pool.exact_count == model.exact == pool.true_free
        assert pool.read_error_bound == (counter_batch - 1) * used
        assert abs(pool.counter - pool.true_free) <= (counter_batch - 1) * used
    pool.check_invariant()


def predicted_round_drift(
    hold: int, batch: int, counter_batch: int, iterations: int, rounds: int
) -> list[int]:
    """One worker's cheap-read error at each round's end, from the fold rule alone.

    A worker's delta depends on its own updates only, so with every worker running the same sequence
    (hold allocations, then per iteration `batch` allocations and `batch` frees) the pool's drift is
    the worker count times minus this delta.
    """
    model = PercpuModel(batch=counter_batch, count=0)
    for _ in range(hold):
        model.add(0, -1)
    drift = []
    for _ in range(rounds):
        for _ in range(iterations):
            for _ in range(batch):
                model.add(0, -1)
            for _ in range(batch):
                model.add(0, +1)
        drift.append(-model.deltas.get(0, 0))
    return drift


@pytest.mark.parametrize(
    ("threads", "hold", "batch", "counter_batch"), [(2, 5, 40, 32), (3, 7, 9, 8), (4, 1, 1, 2)]
)
def test_hammer_quiescent_drift_is_the_unfolded_deltas_and_the_exact_read_is_exact(
    threads: int, hold: int, batch: int, counter_batch: int
) -> None:
    ops, rounds = 20_000, 8
    res = sgx.hammer(
        "percpu_batch",
        threads=threads,
        ops=ops,
        batch=batch,
        rounds=rounds,
        hold=hold,
        counter_batch=counter_batch,
    )
    assert res.alloc_failures == 0  # the prediction assumes every allocation succeeds
    iterations = math.ceil(ops / (2 * batch * rounds))
    per_worker = predicted_round_drift(hold, batch, counter_batch, iterations, rounds)
    assert res.drift_by_round.tolist() == [threads * d for d in per_worker]
    assert res.exact_drift_by_round.tolist() == [0] * rounds
    assert np.abs(res.drift_by_round).max() <= (counter_batch - 1) * threads
    assert res.read_error_bound == (counter_batch - 1) * threads
    assert res.exact_drift == 0 and res.true_free == 2 * 4096


def test_hammer_drift_is_nonzero_when_pages_are_held_across_the_readings() -> None:
    # hold=5 with counter_batch=32: each worker's delta settles at 27 (-5 + 32), never zero
    res = sgx.hammer("percpu_batch", threads=2, ops=20_000, batch=40, rounds=4, hold=5, counter_batch=32)
    assert res.drift_by_round.tolist() == [-54] * 4
    assert "exact_drift=+0" in repr(res)


@pytest.mark.needs_two_cpus
def test_concurrent_folds_and_exact_reads_lose_nothing() -> None:
    # 4 workers, batch of 64 pages against a counter batch of 3: a fold every third update, under
    # one lock, from every thread at once; each round's exact read takes the same lock.
    for _ in range(5):
        res = sgx.hammer("percpu_batch", threads=4, ops=200_000, batch=64, rounds=10, hold=3, counter_batch=3)
        assert res.exact_drift_by_round.tolist() == [0] * 10
        assert np.abs(res.drift_by_round).max() <= 2 * 4
