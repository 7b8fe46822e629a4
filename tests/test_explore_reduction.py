"""The explorer's reductions against brute force: interleavings, Mazurkiewicz traces, final states.

The brute-force enumerator here does not use the explorer's search: it replays every prefix of
every schedule with every thread in turn (``replay_schedule`` refuses a thread that cannot move
there), so it visits every interleaving the scheduler allows, to the end. Each run's steps carry
their footprints (every object a step touched up to its next decision); two steps are dependent
when they share an object that one of them writes (or one is a retry). A run's Mazurkiewicz trace
is then named by its canonical linearisation: repeatedly the lowest thread whose next step has
every dependent earlier step already placed. Two interleavings are equivalent exactly when their
canonical linearisations are equal.

Then, for small runs of every strategy in both point modes:

- no reduction runs exactly the interleavings;
- sleep sets run exactly one schedule per trace (the optimality they claim);
- dpor runs at least one schedule of every trace, and never more schedules than interleavings;
- every final state brute force reaches is reached by each search.

Under a preemption bound (the hang search's reclaim scenario included), the reduced search is
judged against brute force within the same bound: every final state reachable with at most that
many preemptions is reached, and a failure is found exactly when one exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import pysgxalloc as sgx
from pysgxalloc import _core
from pysgxalloc.explore import ExploreResult, _native_config

Touch = tuple[str, int, str]  # (object kind, index, access)
TraceKey = tuple[tuple[int, tuple[Touch, ...]], ...]


@dataclass(frozen=True)
class Run:
    schedule: tuple[int, ...]
    trace: TraceKey
    final: tuple[object, ...]
    failed: bool


def _config(res: ExploreResult, **fields: object) -> _core.ExploreConfig:
    config = _native_config(res.settings)
    for name, value in fields.items():
        setattr(config, name, value)
    return config


def dependent(first: tuple[Touch, ...], second: tuple[Touch, ...]) -> bool:
    for kind, index, access in first:
        for other_kind, other_index, other_access in second:
            if access == "retry" or other_access == "retry":
                return True
            if (kind, index) == (other_kind, other_index) and not (access == other_access == "load"):
                return True
    return False


def trace_of(run: _core.ScheduleRun) -> TraceKey:
    """The run's canonical linearisation: its Mazurkiewicz trace's name."""
    footprints = run.footprints
    threads = [step.thread for step in run.steps][: len(footprints)]
    before = [
        {i for i in range(j) if threads[i] == threads[j] or dependent(footprints[i], footprints[j])}
        for j in range(len(footprints))
    ]
    placed: set[int] = set()
    order: list[int] = []
    while len(order) < len(footprints):
        ready = [k for k in range(len(footprints)) if k not in placed and before[k] <= placed]
        step = min(ready, key=lambda k: (threads[k], k))
        placed.add(step)
        order.append(step)
    return tuple((threads[k], tuple(footprints[k])) for k in order)


def _run(raw: _core.ScheduleRun) -> Run:
    final = (
        raw.outcome.name,
        raw.counter,
        raw.exact_count,
        raw.true_free,
        raw.active_pages,
        raw.faults_served,
    )
    return Run(tuple(raw.schedule), trace_of(raw), final, raw.failed)


def brute_force(res: ExploreResult, bound: int | None = None) -> list[Run]:
    """Every interleaving (with at most `bound` preemptions), by replaying every prefix with every thread."""
    return enumerate_interleavings(res, bound)[0]


def enumerate_interleavings(res: ExploreResult, bound: int | None) -> tuple[list[Run], bool]:
    """brute_force's runs, and whether some interleaving took more than `bound` preemptions."""
    config = _config(res)
    found: dict[tuple[int, ...], Run] = {}
    over = False
    todo: list[tuple[int, ...]] = [()]
    while todo:
        prefix = todo.pop()
        try:
            raw = _core.replay_schedule(res.strategy, config, list(prefix))
        except ValueError:
            continue  # that thread cannot move there
        schedule = tuple(raw.schedule)
        # The default choices after a prefix never preempt: a run over the bound stays over it.
        if bound is not None and raw.preemptions > bound:
            over = True
            continue
        if schedule in found:
            continue
        found[schedule] = _run(raw)
        for at in range(len(prefix), len(schedule)):
            todo.extend((*schedule[:at], thread) for thread in range(res.threads) if thread != schedule[at])
    return list(found.values()), over


def searched(res: ExploreResult, reduction: str) -> tuple[_core.ExploreStats, list[Run]]:
    """The explorer's own search with `reduction`, and each schedule it ran to the end, replayed."""
    config = _config(res, reduction=_core.ExploreReduction[reduction], sleep_sets=True, keep_schedules=True)
    stats = _core.explore(res.strategy, config)
    assert stats.complete
    replay = _config(res)
    runs = [_run(_core.replay_schedule(res.strategy, replay, list(s))) for s in stats.schedules_run]
    return stats, runs


# Small runs of every strategy, in both point modes, and the configurations whose classes the
# counter-mode sleep sets used to skip: plain_node_lock, 3 threads x 1 op, 1 page per node (6
# traces, 4 run), atomic_in_lock and per_node the same (3 traces, 2 run; 2, 1 run).
CASES = [
    pytest.param(
        strategy.name, {"threads": 2, "ops": ops, "points": points}, id=f"{strategy.name}-2x{ops}-{points}"
    )
    for strategy in sgx.STRATEGIES
    for points in ("all", "counter")
    for ops in ((1, 2) if points == "counter" else (1,))
] + [
    pytest.param(
        "plain_node_lock",
        {"threads": 3, "ops": 1, "pages_per_node": 1, "points": "counter"},
        id="plain_node_lock-3x1-1page-counter",
    ),
    pytest.param(
        "atomic_in_lock",
        {"threads": 3, "ops": 1, "pages_per_node": 1, "points": "counter"},
        id="atomic_in_lock-3x1-1page-counter",
    ),
    pytest.param(
        "per_node",
        {"threads": 3, "ops": 1, "pages_per_node": 1, "points": "counter"},
        id="per_node-3x1-1page-counter",
    ),
    pytest.param(
        "plain_unlocked", {"threads": 3, "ops": 1, "points": "counter"}, id="plain_unlocked-3x1-counter"
    ),
    pytest.param(
        "atomic_in_lock", {"threads": 3, "ops": 1, "points": "counter"}, id="atomic_in_lock-3x1-counter"
    ),
    pytest.param(
        "per_node",
        {"threads": 2, "ops": 2, "points": "counter", "pages_per_node": 1},
        id="per_node-2x2-1page",
    ),
]


@pytest.fixture(scope="module")
def enumerated() -> Cache:
    return {}


Cache = dict[str, tuple[ExploreResult, list[Run]]]


def _case(strategy: str, settings: dict[str, object], cache: Cache) -> tuple[ExploreResult, list[Run]]:
    key = f"{strategy}{sorted(settings.items())}"
    if key not in cache:
        res = sgx.explore(strategy, sleep_sets=False, **settings)  # type: ignore[arg-type]
        cache[key] = (res, brute_force(res))
    return cache[key]


@pytest.mark.parametrize(("strategy", "settings"), CASES)
def test_no_reduction_runs_exactly_the_interleavings(
    strategy: str, settings: dict[str, object], enumerated: Cache
) -> None:
    res, every = _case(strategy, settings, enumerated)
    stats, runs = searched(res, "none")
    assert stats.schedules == len(every)
    assert {run.schedule for run in runs} == {run.schedule for run in every}


@pytest.mark.parametrize(("strategy", "settings"), CASES)
def test_sleep_sets_run_exactly_one_schedule_per_trace(
    strategy: str, settings: dict[str, object], enumerated: Cache
) -> None:
    res, every = _case(strategy, settings, enumerated)
    _, runs = searched(res, "sleep")
    traces = {run.trace for run in every}
    assert sorted(run.trace for run in runs) == sorted(traces)  # each trace once, none missing


@pytest.mark.parametrize(("strategy", "settings"), CASES)
def test_dpor_runs_every_trace_at_least_once(
    strategy: str, settings: dict[str, object], enumerated: Cache
) -> None:
    res, every = _case(strategy, settings, enumerated)
    stats, runs = searched(res, "dpor")
    assert {run.trace for run in runs} == {run.trace for run in every}
    assert len({run.trace for run in every}) <= stats.schedules <= len(every)


@pytest.mark.parametrize("reduction", ["none", "sleep", "dpor"])
@pytest.mark.parametrize(("strategy", "settings"), CASES)
def test_every_final_state_brute_force_reaches_is_reached(
    strategy: str, settings: dict[str, object], reduction: str, enumerated: Cache
) -> None:
    res, every = _case(strategy, settings, enumerated)
    stats, runs = searched(res, reduction)
    assert {run.final for run in every} <= {run.final for run in runs}
    assert (stats.failing > 0) == any(run.failed for run in every)


def test_the_counter_mode_case_the_old_sleep_sets_cut_short_has_six_traces(enumerated: Cache) -> None:
    # The case: 10 interleavings, 6 traces once a step's footprint covers the node
    # locks it takes in place; judged by the first access alone, 4 were run.
    settings = {"threads": 3, "ops": 1, "pages_per_node": 1, "points": "counter"}
    _, every = _case("plain_node_lock", settings, enumerated)
    assert (len(every), len({run.trace for run in every})) == (10, 6)
    for reduction in ("sleep", "dpor"):
        res = sgx.explore("plain_node_lock", reduction=reduction, **settings)  # type: ignore[arg-type]
        assert res.schedules == 6


BOUNDED = [
    pytest.param("plain_node_lock", {"threads": 2, "ops": 2}, 1, id="plain_node_lock-2x2-bound1"),
    pytest.param("plain_node_lock", {"threads": 3, "ops": 1}, 1, id="plain_node_lock-3x1-bound1"),
    pytest.param(
        "plain_unlocked",
        {"threads": 2, "ops": 2, "points": "counter"},
        1,
        id="plain_unlocked-2x2-counter-bound1",
    ),
    pytest.param("atomic", {"threads": 2, "ops": 2}, 2, id="atomic-2x2-bound2"),
    pytest.param("percpu_batch", {"threads": 2, "ops": 2}, 1, id="percpu_batch-2x2-bound1"),
    pytest.param("striped", {"threads": 3, "ops": 1}, 1, id="striped-3x1-bound1"),
]


@pytest.mark.parametrize(("strategy", "settings", "bound"), BOUNDED)
def test_dpor_under_a_bound_reaches_every_final_state_within_it(
    strategy: str, settings: dict[str, object], bound: int
) -> None:
    res = sgx.explore(strategy, preemption_bound=bound, sleep_sets=False, **settings)  # type: ignore[arg-type]
    every = brute_force(res, bound)
    stats, runs = searched(res, "dpor")
    assert {run.final for run in every} <= {run.final for run in runs}
    assert (stats.failing > 0) == any(run.failed for run in every)
    assert stats.schedules <= res.schedules  # never more than every schedule within the bound


HANG_CASES = [
    pytest.param(
        "plain_node_lock", {"nodes": 1, "pages_per_node": 2, "low": 1, "high": 2}, 1, id="plain_node_lock"
    ),
    pytest.param("atomic", {"nodes": 1, "pages_per_node": 2, "low": 1, "high": 2}, 1, id="atomic"),
]


@pytest.mark.parametrize(("strategy", "settings", "bound"), HANG_CASES)
def test_dpor_in_the_reclaim_scenario_reaches_every_final_state_within_the_bound(
    strategy: str, settings: dict[str, object], bound: int
) -> None:
    res = sgx.explore_hang(strategy, preemption_bound=bound, reduction="none", **settings)  # type: ignore[arg-type]
    every = brute_force(res, bound)
    stats, runs = searched(res, "dpor")
    assert {run.final for run in every} <= {run.final for run in runs}
    assert (stats.failing > 0) == any(run.failed for run in every)
    assert stats.schedules <= res.schedules


def assert_runs_exactly_the_interleavings_within(res: ExploreResult, bound: int) -> None:
    """The search without a reduction runs brute force's interleavings within `bound`, finds the
    same failures and says whether one needs more preemptions."""
    every, over = enumerate_interleavings(res, bound)
    stats, runs = searched(res, "none")
    assert stats.schedules == len(every)
    assert {run.schedule for run in runs} == {run.schedule for run in every}
    assert (stats.failing > 0) == any(run.failed for run in every)
    assert stats.bound_reached == over


# A search without a reduction is not asked where the bound leaves the running thread no choice
# (every preemption spent): it must still run every interleaving within the bound, no more, and
# still say whether one needs more. The last case's bound is above what any of its runs can use.
UNREDUCED_BOUNDED = [
    *BOUNDED,
    pytest.param("plain_node_lock", {"threads": 2, "ops": 1}, 0, id="plain_node_lock-2x1-bound0"),
    pytest.param("plain_unlocked", {"threads": 2, "ops": 1}, 6, id="plain_unlocked-2x1-bound6"),
]


@pytest.mark.parametrize(("strategy", "settings", "bound"), UNREDUCED_BOUNDED)
def test_no_reduction_under_a_bound_runs_exactly_the_interleavings_within_it(
    strategy: str, settings: dict[str, object], bound: int
) -> None:
    res = sgx.explore(strategy, preemption_bound=bound, sleep_sets=False, **settings)  # type: ignore[arg-type]
    assert_runs_exactly_the_interleavings_within(res, bound)


@pytest.mark.parametrize(("strategy", "settings", "bound"), HANG_CASES)
def test_no_reduction_in_the_reclaim_scenario_runs_exactly_the_interleavings_within_the_bound(
    strategy: str, settings: dict[str, object], bound: int
) -> None:
    res = sgx.explore_hang(strategy, preemption_bound=bound, reduction="none", **settings)  # type: ignore[arg-type]
    assert_runs_exactly_the_interleavings_within(res, bound)
