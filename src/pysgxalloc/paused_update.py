"""The paused update: the lost update forced on demand, deterministic on any number of CPUs.

A statistical hammer shows that plain counters drift; this shows *why*, one interleaving
at a time, and works on a one-CPU laptop in a lecture. See csrc/harness/paused_update.hpp.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysgxalloc import _core
from pysgxalloc._core import Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.paused_update_settings import PausedUpdateSettings
from pysgxalloc.settings import SettingsAndStats, keyword_function, native_fields
from pysgxalloc.strategy import StrategyLike, parse_strategy


@dataclass(frozen=True, eq=False)
class PausedUpdateResult(SettingsAndStats):
    """What was left after the victim's update was held open while the rival updated.

    Every setting reads as an attribute (``result.rival_updates``), and so does every figure of the
    core's stats: ``rival_finished_in_pause`` (every rival update ran while the victim sat between
    load and store), ``counter`` (the cheap read afterwards), ``exact_count`` (the strategy's exact
    read afterwards) and ``true_free`` (the free lists' true total afterwards).
    """

    strategy: Strategy
    settings: PausedUpdateSettings
    stats: _core.PausedUpdateStats

    @property
    def lost_updates(self) -> int:
        """Updates gone for good: exact read minus the truth (for a plain count, every rival update)."""
        return self.stats.exact_count - self.stats.true_free

    def __repr__(self) -> str:
        return (
            f"PausedUpdateResult(strategy={self.strategy.name}, rival_updates={self.settings.rival_updates}, "
            f"rival_finished_in_pause={self.stats.rival_finished_in_pause}, counter={self.stats.counter}, "
            f"exact_count={self.stats.exact_count}, true_free={self.stats.true_free})"
        )


def run_paused_update(strategy: StrategyLike, settings: PausedUpdateSettings) -> PausedUpdateResult:
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
    config = native_config(_core.PausedUpdateConfig, **native_fields(settings))
    return PausedUpdateResult(parsed, settings, _core.paused_update(parsed, config))


#: ``run_paused_update`` with every setting a parameter: ``paused_update("plain_node_lock", 16)``.
paused_update = keyword_function(run_paused_update, PausedUpdateSettings, "paused_update")
