"""When each thread updated the one shared count: how often two updates came at the same moment.

A plain ``sgx_nr_free_pages--`` loses an update only when another CPU's update lands inside
its read-modify-write. ``reclaim_scenario(..., update_log_limit=N)`` stamps the time of
every update of the one shared count (steady clock, nanoseconds since the start line), up
to N per thread, for the strategies that have one (``plain_*``, ``atomic*``); a stamp costs
about 20 ns, so a stamped run is a little slower than an unstamped one. The stamp is taken
where the update's window opens: before the one instruction (``in_place``, ``atomic``), or
after the load (``load_store``). Two updates by different threads stamped within a few
nanoseconds of each other are the candidates for a lost update; how wide "the same moment"
is depends on the window (``remote_fetch_ns`` widens it), so counts are given per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from pysgxalloc._checks import as_int

Stamps = npt.NDArray[np.int64]


def count_near(first: Stamps, second: Stamps, window_ns: int) -> int:
    """How many stamps of `first` have a stamp of `second` at most `window_ns` away (both sorted)."""
    if window_ns < 0:
        raise ValueError(f"window_ns must be at least 0, got {window_ns}")
    if len(first) == 0 or len(second) == 0:
        return 0
    after = np.searchsorted(second, first, side="left")  # the first of `second` at or after each
    next_gap = np.abs(second[np.minimum(after, len(second) - 1)] - first)
    previous_gap = np.abs(first - second[np.maximum(after - 1, 0)])
    gap = np.minimum(next_gap, previous_gap)
    return int(np.count_nonzero(gap <= window_ns))


@dataclass(frozen=True, eq=False)
class UpdateLog:
    """Every stamped update, per thread, each array in time order."""

    workers: tuple[Stamps, ...]  #: one array per fault worker: its allocations and removals' frees
    ksgxd: Stamps  #: the reclaimer's frees
    limit: int  #: stamps kept per thread; a thread that reached it stamped nothing after
    #: Some thread made more updates than the limit: only the time every log covers is compared.
    full: bool

    @property
    def covered_ns(self) -> int:
        """The end of the time every log covers: the earliest last stamp of a log that reached
        the limit (later updates of that thread went unstamped), else the last stamp of all."""
        logs = [*self.workers, self.ksgxd]
        full_ends = [int(log[-1]) for log in logs if len(log) >= self.limit]
        if self.full and full_ends:
            return min(full_ends)
        return max((int(log[-1]) for log in logs if len(log)), default=0)

    def _covered(self, stamps: Stamps) -> Stamps:
        return stamps[stamps <= self.covered_ns] if self.full else stamps

    # Cut to the covered time once, and the workers merged and sorted once, however many
    # windows are asked about (the bench asks five).
    @cached_property
    def _workers_covered(self) -> tuple[Stamps, ...]:
        return tuple(self._covered(w) for w in self.workers)

    @cached_property
    def _ksgxd_covered(self) -> Stamps:
        return self._covered(self.ksgxd)

    @cached_property
    def _workers_sorted(self) -> Stamps:
        """Every worker's stamps merged in time order."""
        return np.sort(np.concatenate(self._workers_covered or (self._ksgxd_covered[:0],)))

    @cached_property
    def _others_sorted(self) -> tuple[Stamps, ...]:
        """For each worker, every other worker's stamps merged in time order."""
        mine = self._workers_covered
        return tuple(
            np.sort(np.concatenate([w for i, w in enumerate(mine) if i != index] or [mine[index][:0]]))
            for index in range(len(mine))
        )

    @property
    def updates(self) -> int:
        """Stamped updates, every thread, within the covered time."""
        return sum(len(log) for log in self._workers_covered) + len(self._ksgxd_covered)

    def ksgxd_near_workers(self, window_ns: int) -> int:
        """ksgxd's updates with a fault worker's update at most `window_ns` away (an int, at least 0)."""
        return count_near(self._ksgxd_covered, self._workers_sorted, _window(window_ns))

    def workers_near_each_other(self, window_ns: int) -> int:
        """Fault workers' updates with another's at most `window_ns` away (an int, at least 0)."""
        window = _window(window_ns)
        return sum(
            count_near(mine, others, window)
            for mine, others in zip(self._workers_covered, self._others_sorted, strict=True)
        )


def _window(window_ns: object) -> int:
    """A window in nanoseconds: an int (TypeError for NaN, a float or a str), at least 0 (ValueError)."""
    window = as_int("window_ns", window_ns)
    if window < 0:
        raise ValueError(f"window_ns must be at least 0, got {window:,}")
    return window
