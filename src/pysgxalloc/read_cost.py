"""The read-cost benchmark: what one read of the counter costs while writers churn the pool."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pysgxalloc import _core
from pysgxalloc._checks import as_bool, as_int, as_optional_int
from pysgxalloc._core import Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.machine import usable_cpus
from pysgxalloc.strategy import StrategyLike, parse_strategy


@dataclass(frozen=True, eq=False)
class ReadCostResult:
    """One read-cost run: `writers` threads churned while one more thread read the counter back to back.

    Times and counts are measured in C++. ``ns_per_read`` is the reader's wall time over its reads:
    back-to-back reads overlap in the CPU, so it is a read's throughput cost, not its latency.
    """

    strategy: Strategy
    writers: int
    nodes: int
    batch: int  #: pages a writer allocates before freeing them
    work: int
    exact_read: bool  #: the reader called the exact read instead of the cheap one
    pin: bool
    counter_batch: int
    packed: bool
    cpus: int  #: CPUs this process could use during the run
    reads: int
    reader_seconds: float  #: start barrier released to the reader's last read
    writer_ops: int  #: allocation attempts plus frees, all writers
    writer_seconds: float  #: start barrier released to the last writer finished (0 with no writers)
    per_writer_ops: npt.NDArray[np.int64]

    @property
    def ns_per_read(self) -> float:
        return 1e9 * self.reader_seconds / self.reads

    @property
    def writer_ops_per_sec(self) -> float:
        """The writers' total throughput while the reader ran (0 with no writers)."""
        return self.writer_ops / self.writer_seconds if self.writer_seconds > 0 else 0.0

    @property
    def threads(self) -> int:
        return self.writers + 1

    @property
    def oversubscribed(self) -> bool:
        """Writers plus the reader outnumber the usable CPUs: the figures then measure the scheduler."""
        return self.threads > self.cpus

    def __repr__(self) -> str:
        label = " (oversubscribed)" if self.oversubscribed else ""
        layout = ", packed" if self.packed else ""
        return (
            f"ReadCostResult(strategy={self.strategy.name}{layout}, "
            f"{'exact' if self.exact_read else 'cheap'} read: {self.ns_per_read:.2f} ns/read "
            f"over {self.reads:,} reads; writers={self.writers} at "
            f"{self.writer_ops_per_sec / 1e6:.2f} Mops/s, "
            f"threads={self.threads} on {self.cpus} CPUs{label}, nodes={self.nodes}, batch={self.batch}, "
            f"work={self.work}, pin={self.pin}, counter_batch={self.counter_batch})"
        )


def read_cost(
    strategy: StrategyLike,
    *,
    writers: int = 1,
    nodes: int = 2,
    pages_per_node: int = 4096,
    ops: int = 1_000_000,
    batch: int = 64,
    work: int = 0,
    exact_read: bool = False,
    pin: bool = False,
    counter_batch: int | None = None,
    packed: bool = False,
) -> ReadCostResult:
    """Measure one read of `strategy`'s counter while `writers` threads churn a fresh pool.

    Each writer does `ops` operations as the hammer does (allocate `batch` pages,
    free them, `work` busy turns between operations; rounded up to whole batches);
    one more thread reads the cheap read (the exact read with `exact_read`) in a
    loop until every writer is done, or `ops` times when there are no writers. The
    default batch of 64 makes percpu_batch's deltas fold, so its global count
    changes under the reader; with pairs (``batch=1``) it never would. `pin`,
    `counter_batch` and `packed` mean what they mean for `hammer()`; with `pin`
    the reader takes the CPU after the writers'.
    """
    parsed = parse_strategy(strategy)
    writers = as_int("writers", writers)
    nodes = as_int("nodes", nodes)
    batch = as_int("batch", batch)
    work = as_int("work", work)
    exact_read = as_bool("exact_read", exact_read)
    pin = as_bool("pin", pin)
    packed = as_bool("packed", packed)
    cpus = usable_cpus()
    config = native_config(
        _core.ReadCostConfig,
        writers=writers,
        nodes=nodes,
        pages_per_node=as_int("pages_per_node", pages_per_node),
        ops=as_int("ops", ops),
        batch=batch,
        work=work,
        exact_read=exact_read,
        pin=pin,
        counter_batch=as_optional_int("counter_batch", counter_batch),
        packed=packed,
    )
    stats = _core.read_cost(parsed, config)
    return ReadCostResult(
        strategy=parsed,
        writers=writers,
        nodes=nodes,
        batch=batch,
        work=work,
        exact_read=exact_read,
        pin=pin,
        counter_batch=stats.counter_batch,
        packed=packed,
        cpus=cpus,
        reads=stats.reads,
        reader_seconds=stats.reader_seconds,
        writer_ops=stats.writer_ops,
        writer_seconds=stats.writer_seconds,
        per_writer_ops=stats.per_writer_ops,
    )
