"""ExploreSettings and HangSettings: what a search over schedules does, each setting defined once.

``explore()`` searches the schedules of threads updating the count (`ExploreSettings`);
``explore_hang()`` searches the reduced reclaim scenario for the hang (`HangSettings`). Both fill
the core's one ``ExploreConfig`` by name (settings.py), the scenario set by the settings type; the
search's own settings (`points` ... `time_limit`) are the same in both, and defined once here.
Types are checked here; value ranges are the core's to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, cast

from pysgxalloc import _core
from pysgxalloc._checks import as_member
from pysgxalloc.counter_options import counter_batch_setting
from pysgxalloc.reclaim_settings import ComparisonLike
from pysgxalloc.settings import CHOICE, Setting, flag, integer, member, number, optional_integer

Points = Literal["all", "counter"]
Scenario = Literal["updates", "reclaim"]
Reduction = Literal["none", "sleep", "dpor"]
Engine = Literal["fibers", "threads"]


def _as_points(name: str, value: object) -> Points:
    return cast(Points, as_member(_core.SchedulePoints, name, value).name)


def _as_reduction(name: str, value: object) -> Reduction:
    return cast(Reduction, as_member(_core.ExploreReduction, name, value).name)


def _as_engine(name: str, value: object) -> Engine:
    return cast(Engine, as_member(_core.ExploreEngine, name, value).name)


# The search's settings, the same in both settings types.


def points_setting() -> Setting[Points, Points]:
    return Setting(
        "all",
        _as_points,
        kind=CHOICE,
        choices=tuple(point.name for point in _core.SchedulePoints),
        to_core=lambda value: _core.SchedulePoints[value],
        help="which accesses are scheduling decisions: every shared access (all), or the counter's "
        "only (a held lock still blocks)",
    )


def reduction_setting(default: Reduction) -> Setting[Reduction, Reduction]:
    return Setting(
        default,
        _as_reduction,
        kind=CHOICE,
        choices=tuple(reduction.name for reduction in _core.ExploreReduction),
        to_core=lambda value: _core.ExploreReduction[value],
        help="which schedules a search may leave out: none (every interleaving), sleep (sleep sets: one "
        "schedule per class of schedules that only reorder independent steps; with no preemption bound "
        "only), or dpor (dynamic partial-order reduction, under a bound too)",
    )


def engine_setting() -> Setting[Engine, Engine]:
    return Setting(
        "fibers",
        _as_engine,
        kind=CHOICE,
        choices=tuple(engine.name for engine in _core.ExploreEngine),
        to_core=lambda value: _core.ExploreEngine[value],
        help="how the explored threads run: as user-space contexts on one OS thread (fibers), or as OS "
        "threads handing a baton on (threads: the original engine; the same schedules, slower)",
    )


def preemption_bound_setting(default: int | None) -> Setting[int | None, int | None]:
    return optional_integer(
        default,
        low=0,
        metavar="K",
        shown="no bound" if default is None else None,
        help="explore every schedule with at most K preemptions, 0 then 1 ... then K (no bound: every "
        "schedule)",
    )


def max_schedules_setting() -> Setting[int, int]:
    return integer(100_000, low=1, help="runs at most, re-runs included; then the search stops, incomplete")


def time_limit_setting() -> Setting[float, float]:
    return number(
        60.0, core="time_limit_seconds", help="seconds of searching at most; then it stops, incomplete"
    )


@dataclass(frozen=True, kw_only=True)
class ExploreSettings:
    """A search over the schedules of threads updating the count; ``explore()`` takes each as a keyword."""

    #: What the core explores with these settings.
    SCENARIO: ClassVar[Scenario] = "updates"

    threads: Setting[int, int] = integer(
        2, low=1, help="threads; thread i works on node i % nodes and alternates alloc, free, alloc, ..."
    )
    ops: Setting[int, int] = integer(2, low=1, help="operations per thread (ops=1: one counter decrement)")
    nodes: Setting[int, int] = integer(2, low=1, help="NUMA nodes")
    pages_per_node: Setting[int, int] = integer(2, low=1, help="pages per node")
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    points: Setting[Points, Points] = points_setting()
    preemption_bound: Setting[int | None, int | None] = preemption_bound_setting(None)
    sleep_sets: Setting[bool, bool] = flag(
        True,
        help="leave out schedules that only reorder independent steps, as `reduction` says",
        off_help="run every schedule, even those that only reorder independent steps (reduction none)",
    )
    reduction: Setting[Reduction, Reduction] = reduction_setting("dpor")
    engine: Setting[Engine, Engine] = engine_setting()
    max_schedules: Setting[int, int] = max_schedules_setting()
    time_limit: Setting[float, float] = time_limit_setting()

    @property
    def threads_scheduled(self) -> int:
        return self.threads


@dataclass(frozen=True, kw_only=True)
class HangSettings:
    """A search of the reduced reclaim scenario for the hang; ``explore_hang()`` takes each as a keyword.

    The kernel's watermarks and batch (32, 64 and 16) scale down with the EPC, to 2, 4 and 1.
    """

    SCENARIO: ClassVar[Scenario] = "reclaim"

    workers: Setting[int, int] = integer(
        2,
        low=1,
        core="threads",
        flag="--threads",
        help="fault workers, each faulting in its share of the enclave once (ksgxd is one more thread)",
    )
    nodes: Setting[int, int] = integer(2, low=1, help="NUMA nodes")
    pages_per_node: Setting[int, int] = integer(4, low=1, help="pages per node")
    enclave_pages: Setting[int | None, int | None] = optional_integer(
        None,
        low=1,
        checked_here=True,  # None is the core's 0: the core cannot tell 0 given from none
        to_core=lambda value: 0 if value is None else value,
        shown="twice the EPC",
        help="enclave pages",
    )
    low: Setting[int, int] = integer(
        2, metavar="PAGES", help="low watermark (the kernel's, scaled down with the EPC)"
    )
    high: Setting[int, int] = integer(
        4, metavar="PAGES", help="high watermark (the kernel's, scaled down with the EPC)"
    )
    scan: Setting[int, int] = integer(
        1, metavar="PAGES", help="pages per reclaim batch (the kernel's, scaled down with the EPC)"
    )
    comparison: Setting[ComparisonLike, _core.Comparison] = member(
        _core.Comparison,
        _core.Comparison.kernel_unsigned,
        help="how the watermark test compares the count: as the kernel does (kernel_unsigned: a negative "
        "count reads as huge), or as a signed number (signed_count)",
    )
    points: Setting[Points, Points] = points_setting()
    preemption_bound: Setting[int | None, int | None] = preemption_bound_setting(1)
    # Under a bound DPOR stays conservative: in the hang search it leaves out few schedules and
    # its race analysis costs more than they do (docs/explorer.md#speed), so every schedule is run.
    reduction: Setting[Reduction, Reduction] = reduction_setting("none")
    engine: Setting[Engine, Engine] = engine_setting()
    max_schedules: Setting[int, int] = max_schedules_setting()
    time_limit: Setting[float, float] = time_limit_setting()

    @property
    def threads_scheduled(self) -> int:
        return self.workers + 1  # and ksgxd
