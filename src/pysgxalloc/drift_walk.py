"""How the counter's drift walks over a reclaim run, sampled while it runs.

``reclaim_scenario(..., walk_interval_seconds=0.01)`` has the watchdog read the count and
the free pages every 10 ms with every node lock held, and once more at the end. For the
strategies that update the count inside the node lock (``plain_node_lock``,
``atomic_in_lock``, ``per_node``) that is one instant with no update in flight, so each
point is the drift itself; the strategies that update after the unlock may show one
update in flight per thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)
class DriftWalk:
    """One reclaim run's samples, in time order; the last is the end state, every thread joined."""

    seconds: npt.NDArray[np.float64]  #: since the start line
    touches: npt.NDArray[np.int64]  #: page touches completed by then
    counter: npt.NDArray[np.int64]  #: the cheap read (what the watermark tests compare)
    exact: npt.NDArray[np.int64]  #: the strategy's exact read
    free: npt.NDArray[np.int64]  #: pages on the free lists

    @property
    def drift(self) -> npt.NDArray[np.int64]:
        """counter - free at each sample: the updates lost (negative: frees lost) so far."""
        return self.counter - self.free

    @property
    def samples(self) -> int:
        return len(self.seconds)

    @property
    def max_abs_drift(self) -> int:
        """The largest |drift| any sample saw (0 with no samples)."""
        return int(np.abs(self.drift).max()) if self.samples else 0

    @property
    def changes(self) -> int:
        """Samples whose drift differs from the one before: how often the walk stepped."""
        return int(np.count_nonzero(np.diff(self.drift))) if self.samples > 1 else 0

    @property
    def first_nonzero_seconds(self) -> float | None:
        """When a sample first saw a drift other than zero; None if none did."""
        nonzero = np.flatnonzero(self.drift)
        return float(self.seconds[nonzero[0]]) if len(nonzero) else None
