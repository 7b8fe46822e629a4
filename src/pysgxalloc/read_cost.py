"""The read-cost benchmark: what one read of the counter costs while writers churn the pool."""

from __future__ import annotations

from dataclasses import dataclass

from pysgxalloc import _core
from pysgxalloc._core import Strategy
from pysgxalloc._native_config import native_config
from pysgxalloc.machine import usable_cpus
from pysgxalloc.read_cost_settings import ReadCostSettings
from pysgxalloc.settings import SettingsAndStats, keyword_function, native_fields
from pysgxalloc.strategy import StrategyLike, parse_strategy


@dataclass(frozen=True, eq=False)
class ReadCostResult(SettingsAndStats):
    """One read-cost run: `writers` threads churned while one more thread read the counter back to back.

    Times and counts are measured in C++. ``ns_per_read`` is the reader's wall time over its reads:
    back-to-back reads overlap in the CPU, so it is a read's throughput cost, not its latency.
    Every setting reads as an attribute (``result.writers``), and so does every figure of the core's
    stats: ``reads``, ``reader_seconds`` (start barrier released to the reader's last read),
    ``writer_ops`` (allocation attempts plus frees, all writers), ``writer_seconds`` (start barrier
    released to the last writer finished; 0 with no writers), ``per_writer_ops`` and
    ``counter_batch`` (the batch percpu_batch really used).
    """

    strategy: Strategy
    settings: ReadCostSettings
    stats: _core.ReadCostStats
    cpus: int  #: CPUs this process could use during the run

    @property
    def ns_per_read(self) -> float:
        return 1e9 * self.stats.reader_seconds / self.stats.reads

    @property
    def writer_ops_per_sec(self) -> float:
        """The writers' total throughput while the reader ran (0 with no writers)."""
        stats = self.stats
        return stats.writer_ops / stats.writer_seconds if stats.writer_seconds > 0 else 0.0

    @property
    def threads(self) -> int:
        return self.settings.writers + 1

    @property
    def oversubscribed(self) -> bool:
        """Writers plus the reader outnumber the usable CPUs: the figures then measure the scheduler."""
        return self.threads > self.cpus

    def __repr__(self) -> str:
        label = " (oversubscribed)" if self.oversubscribed else ""
        settings = self.settings
        layout = ", packed" if settings.packed else ""
        return (
            f"ReadCostResult(strategy={self.strategy.name}{layout}, "
            f"{'exact' if settings.exact_read else 'cheap'} read: {self.ns_per_read:.2f} ns/read "
            f"over {self.stats.reads:,} reads; writers={settings.writers} at "
            f"{self.writer_ops_per_sec / 1e6:.2f} Mops/s, "
            f"threads={self.threads} on {self.cpus} CPUs{label}, nodes={settings.nodes}, "
            f"batch={settings.batch}, work={settings.work}, pin={settings.pin}, "
            f"counter_batch={self.stats.counter_batch})"
        )


def run_read_cost(strategy: StrategyLike, settings: ReadCostSettings) -> ReadCostResult:
    """Measure one read of `strategy`'s counter while `writers` threads churn a fresh pool.

    Each writer does `ops` operations as the hammer does (allocate `batch` pages,
    free them, `work` busy turns between operations; rounded up to whole batches);
    one more thread reads the cheap read (the exact read with `exact_read`) in a
    loop until every writer is done, or `ops` times when there are no writers. The
    default batch makes percpu_batch's deltas fold, so its global count
    changes under the reader; with pairs (``batch=1``) it never would. `pin`,
    `counter_batch` and `packed` mean what they mean for `hammer()`; with `pin`
    the reader takes the CPU after the writers'.
    """
    parsed = parse_strategy(strategy)
    cpus = usable_cpus()
    stats = _core.read_cost(parsed, native_config(_core.ReadCostConfig, **native_fields(settings)))
    return ReadCostResult(parsed, settings, stats, cpus)


#: ``run_read_cost`` with every setting a keyword: ``read_cost("striped", writers=1)``.
read_cost = keyword_function(run_read_cost, ReadCostSettings, "read_cost")
