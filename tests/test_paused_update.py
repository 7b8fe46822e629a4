"""Fault injection: one thread held between its counter's load and store while another
updates. Deterministic, so none of these is statistical and all run on one CPU too.

The pause point is a template parameter (csrc/counters/pause.hpp): the strategies users run are
built with an empty one, and only this test mode pays for a real pause.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import pysgxalloc as sgx

DRIFTING = [s.name for s in sgx.STRATEGIES if sgx.accuracy(s) is sgx.Accuracy.drifts]
RACE_FREE = [s.name for s in sgx.STRATEGIES if sgx.accuracy(s) is not sgx.Accuracy.drifts]
# Strategies whose update the rival cannot enter while the victim is paused in it.
RIVAL_WAITS = {"plain_global_lock"}
# The pause ends as soon as the rival is done, so a long limit costs nothing when the rival
# gets in, and keeps a loaded machine (or a sanitizer build) from ending the pause first.
PATIENT = 10.0


@pytest.mark.parametrize("rival_updates", [1, 16, 1000])
@pytest.mark.parametrize("strategy", DRIFTING)
def test_a_plain_count_loses_every_update_made_during_the_pause(strategy: str, rival_updates: int) -> None:
    res = sgx.paused_update(strategy, rival_updates=rival_updates, pause_limit=PATIENT)
    assert res.rival_finished_in_pause
    assert res.lost_updates == rival_updates
    assert res.counter - res.true_free == rival_updates
    assert res.true_free == 2 * rival_updates - 1 - rival_updates  # the pages themselves all accounted for


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("strategy", RACE_FREE)
def test_race_free_strategies_lose_nothing_under_the_same_pause(strategy: str, packed: bool) -> None:
    res = sgx.paused_update(strategy, rival_updates=16, packed=packed)
    assert res.lost_updates == 0
    assert res.exact_count == res.true_free == 2 * 16 - 1 - 16
    if sgx.accuracy(strategy) is sgx.Accuracy.exact:
        assert res.counter == res.true_free


@pytest.mark.parametrize("strategy", RACE_FREE)
def test_only_a_shared_lock_makes_the_rival_wait_out_the_pause(strategy: str) -> None:
    # a rival that must wait waits out the whole limit, so only there is it short
    res = sgx.paused_update(
        strategy, rival_updates=4, pause_limit=0.05 if strategy in RIVAL_WAITS else PATIENT
    )
    assert res.rival_finished_in_pause == (strategy not in RIVAL_WAITS)


def test_percpu_batch_folds_under_the_pause_without_losing_a_page() -> None:
    res = sgx.paused_update("percpu_batch", rival_updates=10, counter_batch=1)
    assert res.lost_updates == 0
    assert res.counter == res.true_free  # a batch of 1 folds every update


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rival_updates": 0}, ValueError, "rival_updates must be between 1 and 1048576, got 0"),
        ({"rival_updates": 2**21}, ValueError, "rival_updates must be between 1 and 1048576"),
        ({"pause_limit": math.nan}, ValueError, "pause_limit must be between 0.001 and 10 seconds, got nan"),
        ({"pause_limit": math.inf}, ValueError, "pause_limit must be between 0.001 and 10 seconds, got inf"),
        ({"pause_limit": 0}, ValueError, "pause_limit must be between"),
        ({"pause_limit": "1"}, TypeError, "pause_limit must be a number, got str"),
        ({"pause_limit": True}, TypeError, "pause_limit must be a number, got bool"),
        ({"rival_updates": 1.5}, TypeError, "rival_updates must be an int, got float"),
        ({"counter_batch": 0}, ValueError, "counter_batch must be between 1"),
    ],
)
def test_bad_paused_update_arguments_are_refused(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        sgx.paused_update("plain_node_lock", **kwargs)
