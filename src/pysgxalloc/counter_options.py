"""The counter's options as settings, the same in every run that builds a pool (the core's
counters/counter_options.hpp): percpu_batch's batch, the padding ablation's packed cells, and the
memory layout."""

from __future__ import annotations

from pysgxalloc._core import MemoryLayout
from pysgxalloc.settings import Setting, flag, member, optional_integer


def counter_batch_setting() -> Setting[int | None, int | None]:
    """``counter_batch``: percpu_batch's batch; None is the core's default, max(32, 2 x usable CPUs)."""
    return optional_integer(None, low=1, shown="max(32, 2 x usable CPUs)", help="percpu_batch's batch")


def packed_setting() -> Setting[bool, bool]:
    """``packed``: per-node and per-thread cells side by side instead of one per 128 bytes."""
    return flag(False, help="put per-node and per-thread cells on shared cache lines (the padding ablation)")


def layout_setting(default: MemoryLayout) -> Setting[MemoryLayout | str, MemoryLayout]:
    """``layout``: where the pool's hot objects sit; `default` says what the run models (docs/layout.md)."""
    return member(
        MemoryLayout,
        default,
        help="where the node array, the counter, sgx_reclaimer_lock and the active list's head sit: padded "
        "(each on its own 128-byte block) or kernel (v5.15's sharing: both node locks on one line, the "
        "counter on the reclaimer lock's line; cells packed too) or kernel_counter_apart (kernel with the "
        "counter on a block of its own: the ablation that shows what its neighbours add)",
    )
