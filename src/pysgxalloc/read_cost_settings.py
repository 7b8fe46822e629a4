"""ReadCostSettings: what one read-cost run does, every setting defined in this one place (settings.py).

``read_cost()``'s keyword parameters come from these fields, and the core's ``ReadCostConfig`` is
filled from them by name. Types are checked here; value ranges are the core's to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysgxalloc.counter_options import counter_batch_setting, packed_setting
from pysgxalloc.settings import Setting, flag, integer


@dataclass(frozen=True, kw_only=True)
class ReadCostSettings:
    """One read-cost run's settings; ``read_cost()`` takes each as a keyword."""

    writers: Setting[int, int] = integer(1, low=0, help="writer threads churning the pool beside the reader")
    nodes: Setting[int, int] = integer(2, low=1, help="NUMA nodes; writer i allocates from node i % nodes")
    pages_per_node: Setting[int, int] = integer(4096, low=1, help="EPC pages of every node")
    ops: Setting[int, int] = integer(
        1_000_000,
        low=1,
        help="operations per writer, as the hammer makes them (rounded up to whole batches); with no "
        "writers, the reads",
    )
    batch: Setting[int, int] = integer(
        64,
        low=1,
        help="pages a writer allocates before freeing them: 64 makes percpu_batch's deltas fold, so its "
        "global count changes under the reader (pairs never fold)",
    )
    work: Setting[int, int] = integer(0, low=0, help="busy-loop turns between two writer operations")
    exact_read: Setting[bool, bool] = flag(
        False, help="the reader calls the exact read instead of the cheap one"
    )
    pin: Setting[bool, bool] = flag(
        False, help="pin writer i to the i-th usable CPU and the reader to the next (wrapping round)"
    )
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    packed: Setting[bool, bool] = packed_setting()
