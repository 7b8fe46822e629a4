"""The counter's options as settings, the same in every run that builds a pool (the core's
counters/counter_options.hpp): percpu_batch's batch, and the padding ablation's packed cells."""

from __future__ import annotations

from pysgxalloc.settings import Setting, flag, optional_integer


def counter_batch_setting() -> Setting[int | None, int | None]:
    """``counter_batch``: percpu_batch's batch; None is the core's default, max(32, 2 x usable CPUs)."""
    return optional_integer(None, low=1, shown="max(32, 2 x usable CPUs)", help="percpu_batch's batch")


def packed_setting() -> Setting[bool, bool]:
    """``packed``: per-node and per-thread cells side by side instead of one per 128 bytes."""
    return flag(False, help="put per-node and per-thread cells on shared cache lines (the padding ablation)")
