"""PausedUpdateSettings: what one paused update does, every setting defined in this one place.

``paused_update()``'s parameters come from these fields (the first two may be given by position,
as before), and the core's ``PausedUpdateConfig`` is filled from them by name (settings.py).
Types are checked here; value ranges are the core's to check.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from pysgxalloc.counter_options import counter_batch_setting, packed_setting
from pysgxalloc.settings import Setting, integer, number


@dataclass(frozen=True)
class PausedUpdateSettings:
    """One paused update's settings; ``paused_update()`` takes each of them."""

    rival_updates: Setting[int, int] = integer(
        16, low=1, help="pages the rival allocates from node 1 while the victim sits inside its update"
    )
    pause_limit: Setting[float, float] = number(
        0.2,
        core="pause_limit_seconds",
        help="how long the victim waits for the rival where the rival must wait for the victim (a lock "
        "held across the update): then it finishes, with nothing lost",
    )
    _: KW_ONLY
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    packed: Setting[bool, bool] = packed_setting()
