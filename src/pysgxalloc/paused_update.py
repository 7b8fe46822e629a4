"""The paused update: the lost update forced on demand, deterministic on any number of CPUs.

A statistical hammer shows that plain counters drift; this shows *why*, one interleaving
at a time, and works on a one-CPU laptop in a lecture. See csrc/harness/paused_update.hpp.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysgxalloc import _core
from pysgxalloc._checks import as_bool, as_float, as_int, as_optional_int
from pysgxalloc._core import Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.strategy import StrategyLike, parse_strategy


@dataclass(frozen=True)
class PausedUpdateResult:
    """What was left after the victim's update was held open while the rival updated."""

    strategy: Strategy
    rival_updates: int
    rival_finished_in_pause: bool  #: every rival update ran while the victim sat between load and store
    counter: int  #: the cheap read afterwards
    exact_count: int  #: the strategy's exact read afterwards
    true_free: int  #: the free lists' true total afterwards

    @property
    def lost_updates(self) -> int:
        """Updates gone for good: exact read minus the truth (for a plain count, every rival update)."""
        return self.exact_count - self.true_free


def paused_update(
    strategy: StrategyLike,
    rival_updates: int = 16,
    pause_limit: float = 0.2,
    *,
    counter_batch: int | None = None,
    packed: bool = False,
) -> PausedUpdateResult:
    """Hold one thread inside its counter update while another makes `rival_updates` updates.

    The victim thread allocates one page from node 0 and stops between its counter's
    load and store (before the RMW, for atomic strategies); the rival then allocates
    `rival_updates` pages from node 1. With ``plain_node_lock`` or ``plain_unlocked`` the
    victim's store overwrites every rival update: ``lost_updates == rival_updates``,
    every time. Strategies whose locks make the rival wait hold the victim for
    `pause_limit` seconds, then finish with nothing lost (``rival_finished_in_pause``
    is then False).
    """
    parsed = parse_strategy(strategy)
    rival_updates = as_int("rival_updates", rival_updates)
    config = native_config(
        _core.PausedUpdateConfig,
        rival_updates=rival_updates,
        pause_limit_seconds=as_float("pause_limit", pause_limit),
        counter_batch=as_optional_int("counter_batch", counter_batch),
        packed=as_bool("packed", packed),
    )
    stats = _core.paused_update(parsed, config)
    return PausedUpdateResult(
        strategy=parsed,
        rival_updates=rival_updates,
        rival_finished_in_pause=stats.rival_finished_in_pause,
        counter=stats.counter,
        exact_count=stats.exact_count,
        true_free=stats.true_free,
    )
