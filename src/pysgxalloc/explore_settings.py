"""ExploreSettings and HangSettings: what a search over schedules does, each setting defined once.

``explore()`` searches the schedules of threads updating the count (`ExploreSettings`);
``explore_hang()`` searches the reduced reclaim scenario for the hang (`HangSettings`). Both fill
the core's one ``ExploreConfig`` by name (settings.py), the scenario set by the settings type; the
search's own settings (`points` ... `time_limit`) are the same in both, and defined once here.
Types are checked here; value ranges are the core's to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, cast

from pysgxalloc import _core
from pysgxalloc._checks import as_member
from pysgxalloc.counter_options import counter_batch_setting
from pysgxalloc.reclaim_settings import ComparisonLike
from pysgxalloc.settings import CHOICE, Setting, flag, integer, member, number, optional_integer

Points = Literal["all", "counter"]
Mode = Literal["exhaustive", "pct"]
Scenario = Literal["updates", "reclaim"]
Reduction = Literal["none", "sleep", "dpor"]
Engine = Literal["fibers", "threads"]


NameT = TypeVar("NameT", bound=str)


def core_choice(kind: Any, default: NameT, help: str, **options: Any) -> Setting[NameT, NameT]:
    """A setting naming a member of the core's enum `kind`: given as the member or its name, kept as
    the name (so it prints and saves as text), handed to the core as the member."""
    return Setting(
        default,
        lambda name, value: cast(NameT, as_member(kind, name, value).name),
        kind=CHOICE,
        choices=tuple(member.name for member in kind),
        to_core=lambda value: kind[value],
        help=help,
        **options,
    )


# The search's settings, the same in both settings types.


def mode_setting() -> Setting[Mode, Mode]:
    return core_choice(
        _core.ExploreMode,
        "exhaustive",
        help="every schedule within the preemption bound, depth first (exhaustive), or `runs` random runs "
        "with PCT's priorities, which find a bug of depth `depth` with a stated probability (pct)",
    )


def depth_setting() -> Setting[int, int]:
    return integer(
        2,
        low=1,
        high=32,
        metavar="D",
        help="pct: the bug depth searched for, the ordering constraints it needs (a lost update: 2); d-1 "
        "priority change points per run",
    )


def runs_setting() -> Setting[int, int]:
    return integer(
        1000, low=1, help="pct: random runs to make (max_schedules is the exhaustive search's limit)"
    )


def seed_setting() -> Setting[int, int]:
    return integer(
        0,
        low=0,
        metavar="SEED",
        help="pct: the number the runs' random priorities and change points grow from",
    )


def steps_setting() -> Setting[int | None, int | None]:
    return optional_integer(
        None,
        low=1,
        checked_here=True,  # None is the core's 0: the core cannot tell 0 given from none
        to_core=lambda value: 0 if value is None else value,
        metavar="K",
        shown="the default schedule's length",
        help="pct: k, the steps a run takes, which the bound and the change points use",
    )


def points_setting() -> Setting[Points, Points]:
    return core_choice(
        _core.SchedulePoints,
        "all",
        help="which accesses are scheduling decisions: every shared access (all), or the counter's "
        "only (a held lock still blocks)",
    )


def stripes_setting() -> Setting[int, int]:
    return integer(
        2,
        low=1,
        high=64,
        metavar="CELLS",
        help="striped's cells, a power of two: fixed here, not the machine's CPU count (as "
        "elsewhere), so a search's counts are the same on every machine",
    )


def reduction_setting(default: Reduction) -> Setting[Reduction, Reduction]:
    return core_choice(
        _core.ExploreReduction,
        default,
        help="which schedules a search may leave out: none (every interleaving), sleep (sleep sets: one "
        "schedule per class of schedules that only reorder independent steps; with no preemption bound "
        "only), or dpor (dynamic partial-order reduction, under a bound too)",
    )


def engine_setting() -> Setting[Engine, Engine]:
    return core_choice(
        _core.ExploreEngine,
        "fibers",
        help="how the explored threads run: as user-space contexts on one OS thread (fibers), or as OS "
        "threads handing a baton on (threads: the original engine; the same schedules, slower)",
        # --engine is the hammer's (native or python) in the commands that have both
        flag="--explore-engine",
    )


def jobs_setting() -> Setting[int, int]:
    return integer(
        1,
        low=1,
        high=256,
        metavar="N",
        help="OS threads that search side by side, each its own share of the schedules (mode exhaustive, "
        "reduction none): the same schedules, counts and first failure as one thread; a limit stops "
        "other runs than one thread's",
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
    stripes: Setting[int, int] = stripes_setting()
    points: Setting[Points, Points] = points_setting()
    preemption_bound: Setting[int | None, int | None] = preemption_bound_setting(None)
    sleep_sets: Setting[bool, bool] = flag(
        True,
        help="leave out schedules that only reorder independent steps, as `reduction` says",
        off_help="run every schedule, even those that only reorder independent steps (reduction none)",
    )
    reduction: Setting[Reduction, Reduction] = reduction_setting("dpor")
    engine: Setting[Engine, Engine] = engine_setting()
    jobs: Setting[int, int] = jobs_setting()
    max_schedules: Setting[int, int] = max_schedules_setting()
    time_limit: Setting[float, float] = time_limit_setting()
    mode: Setting[Mode, Mode] = mode_setting()
    depth: Setting[int, int] = depth_setting()
    runs: Setting[int, int] = runs_setting()
    seed: Setting[int, int] = seed_setting()
    steps: Setting[int | None, int | None] = steps_setting()

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
    stripes: Setting[int, int] = stripes_setting()
    points: Setting[Points, Points] = points_setting()
    preemption_bound: Setting[int | None, int | None] = preemption_bound_setting(1)
    # Under a bound DPOR stays conservative: in the hang search it leaves out few schedules and
    # its race analysis costs more than they do (docs/explorer.md#speed), so every schedule is run.
    reduction: Setting[Reduction, Reduction] = reduction_setting("none")
    engine: Setting[Engine, Engine] = engine_setting()
    jobs: Setting[int, int] = jobs_setting()
    max_schedules: Setting[int, int] = max_schedules_setting()
    time_limit: Setting[float, float] = time_limit_setting()
    mode: Setting[Mode, Mode] = mode_setting()
    depth: Setting[int, int] = depth_setting()
    runs: Setting[int, int] = runs_setting()
    seed: Setting[int, int] = seed_setting()
    steps: Setting[int | None, int | None] = steps_setting()

    @property
    def threads_scheduled(self) -> int:
        return self.workers + 1  # and ksgxd
