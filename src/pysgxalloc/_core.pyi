"""Type stubs for the C++ core (csrc/bindings)."""

import enum
from collections.abc import Mapping
from typing import ClassVar, TypedDict

import numpy as np
import numpy.typing as npt

class Strategy:
    """A registered free-page counter strategy: Strategy.<name>, or find_strategy(name)."""

    # The built-ins; a strategy registered later is an attribute too, under its name.
    plain_node_lock: ClassVar[Strategy]
    plain_unlocked: ClassVar[Strategy]
    plain_global_lock: ClassVar[Strategy]
    atomic: ClassVar[Strategy]
    atomic_in_lock: ClassVar[Strategy]
    per_node: ClassVar[Strategy]
    percpu_batch: ClassVar[Strategy]
    striped: ClassVar[Strategy]
    # Every registered strategy by name, read-only and live.
    __members__: ClassVar[Mapping[str, Strategy]]
    @property
    def name(self) -> str: ...
    @property
    def accuracy(self) -> Accuracy: ...
    @property
    def builtin(self) -> bool: ...
    @property
    def one_shared_count(self) -> bool: ...
    def __reduce__(self) -> tuple[object, tuple[str]]: ...

def strategies() -> list[Strategy]: ...
def find_strategy(name: Strategy | str) -> Strategy: ...
def register_strategy(entry: object) -> Strategy: ...
def _copy_strategy_entry(
    of: Strategy | str, name: str, *, version: int | None = None, abi: int | None = None
) -> object: ...

class Accuracy(enum.Enum):
    exact = 0
    bounded = 1
    drifts = 2

class Comparison(enum.Enum):
    signed_count = 0
    kernel_unsigned = 1

class PlainUpdate(enum.Enum):
    in_place = 0
    load_store = 1

class WatermarkRead(enum.Enum):
    cheap = 0
    exact_near_watermark = 1
    exact_within_error_bound = 2

class NodeSearch(enum.Enum):
    v5_13_until_caller = 0
    fixed_2024 = 1

class MemoryLayout(enum.Enum):
    padded = 0
    kernel = 1
    kernel_counter_apart = 2

class _PoolAddresses(TypedDict):
    node_locks: list[int]
    counter: int
    reclaimer_lock: int
    active_list: int
    numa_nodes: int

class SgxAllocError(Exception): ...
class DoubleFreeError(SgxAllocError, ValueError): ...
class InvariantError(SgxAllocError, RuntimeError): ...
class SoftLockupError(SgxAllocError): ...

SOFT_LOCKUP_LAPS: int

MAX_THREADS: int
CALLER_SLOT: int

def default_counter_batch() -> int: ...

class Tally:
    @property
    def ops(self) -> int: ...
    @property
    def alloc_failures(self) -> int: ...

class Pool:
    def __init__(
        self,
        strategy: Strategy | str,
        nodes: int,
        pages_per_node: int,
        initial_drift: int = 0,
        counter_batch: int | None = None,
        packed: bool = False,
        node_pages: list[int] = ...,
        node_search: NodeSearch = ...,
        plain_update: PlainUpdate = ...,
        remote_fetch_ns: int = 0,
        layout: MemoryLayout = ...,
    ) -> None: ...
    @property
    def strategy(self) -> Strategy: ...
    @property
    def node_search(self) -> NodeSearch: ...
    @property
    def nodes(self) -> int: ...
    @property
    def pages_per_node(self) -> int | list[int]: ...
    @property
    def node_pages(self) -> list[int]: ...
    @property
    def total_pages(self) -> int: ...
    @property
    def counter_batch(self) -> int: ...
    @property
    def layout(self) -> MemoryLayout: ...
    def addresses(self) -> _PoolAddresses: ...
    @property
    def packed(self) -> bool: ...
    def alloc(self, node: int = 0, slot: int = ...) -> int | None: ...
    def free(self, page: int, slot: int = ...) -> None: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def read_error_bound(self) -> int: ...
    def compare_margin(self, read: WatermarkRead) -> int: ...
    @property
    def counter_state_bytes(self) -> int: ...
    @property
    def true_free(self) -> int: ...
    @property
    def drift(self) -> int: ...
    @property
    def exact_drift(self) -> int: ...
    def count_below(
        self, watermark: int, comparison: Comparison = ..., read: WatermarkRead = ...
    ) -> bool: ...
    def home_node(self, page: int) -> int: ...
    def is_free(self, page: int) -> bool: ...
    def invariant_violation(self) -> str: ...
    def churn(self, ops: int, node: int, slot: int, batch: int = 1, work: int = 0) -> Tally: ...
    def churn_until_stopped(
        self, ops: int, node: int, slot: int, batch: int, work: int, stop: StopFlag
    ) -> Tally: ...
    def alloc_pages(
        self, count: int, node: int, slot: int, work: int, stop: StopFlag
    ) -> tuple[list[int], int]: ...
    def free_pages(self, pages: list[int], slot: int, work: int, stop: StopFlag) -> None: ...

class StopFlag:
    def __init__(self) -> None: ...
    def request(self) -> None: ...
    @property
    def requested(self) -> bool: ...

class HammerStats:
    @property
    def wall_seconds(self) -> float: ...
    @property
    def total_ops(self) -> int: ...
    @property
    def alloc_failures(self) -> int: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def read_error_bound(self) -> int: ...
    @property
    def true_free(self) -> int: ...
    @property
    def counter_batch(self) -> int: ...
    @property
    def per_thread_ops(self) -> npt.NDArray[np.int64]: ...
    @property
    def drift_by_round(self) -> npt.NDArray[np.int64]: ...
    @property
    def exact_drift_by_round(self) -> npt.NDArray[np.int64]: ...
    @property
    def lost_decrements(self) -> npt.NDArray[np.int64]: ...
    @property
    def lost_increments(self) -> npt.NDArray[np.int64]: ...
    @property
    def thread_cpu_seconds(self) -> npt.NDArray[np.float64]: ...

class HammerConfig:
    threads: int
    nodes: int
    pages_per_node: int
    node_pages: list[int]
    node_search: NodeSearch
    ops: int
    batch: int
    rounds: int
    work: int
    pin: bool
    fail_worker: int
    hold: int
    counter_batch: int | None
    packed: bool
    layout: MemoryLayout
    phased: bool
    def __init__(self) -> None: ...

def hammer(strategy: Strategy | str, config: HammerConfig) -> HammerStats: ...

class ReadCostStats:
    @property
    def writer_seconds(self) -> float: ...
    @property
    def reader_seconds(self) -> float: ...
    @property
    def writer_ops(self) -> int: ...
    @property
    def reads(self) -> int: ...
    @property
    def counter_batch(self) -> int: ...
    @property
    def per_writer_ops(self) -> npt.NDArray[np.int64]: ...

class ReadCostConfig:
    writers: int
    nodes: int
    pages_per_node: int
    ops: int
    batch: int
    work: int
    exact_read: bool
    pin: bool
    counter_batch: int | None
    packed: bool
    def __init__(self) -> None: ...

def read_cost(strategy: Strategy | str, config: ReadCostConfig) -> ReadCostStats: ...

class PausedUpdateStats:
    @property
    def rival_finished_in_pause(self) -> bool: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def true_free(self) -> int: ...

class PausedUpdateConfig:
    rival_updates: int
    pause_limit_seconds: float
    counter_batch: int | None
    packed: bool
    def __init__(self) -> None: ...

def paused_update(strategy: Strategy | str, config: PausedUpdateConfig) -> PausedUpdateStats: ...

class ReclaimOutcome(enum.Enum):
    completed = 0
    hung = 1
    stalled = 2
    out_of_memory = 3
    interrupted = 4
    soft_lockup = 5

class ReclaimConfig:
    threads: int
    nodes: int
    pages_per_node: int
    node_pages: list[int]
    node_search: NodeSearch
    enclave_pages: int
    passes: int
    low: int
    high: int
    scan: int
    comparison: Comparison
    watermark_read: WatermarkRead
    initial_drift: int
    counter_batch: int | None
    packed: bool
    layout: MemoryLayout
    plain_update: PlainUpdate
    remote_fetch_ns: int
    shared_enclave: bool
    direct_reclaim: bool
    remove_last_pass: bool
    fault_leaves_young: bool
    unreclaimable_pages: int
    walk_interval_seconds: float
    update_log_limit: int
    stall_seconds: float
    max_retries: int
    pin: bool
    leak_pages: int
    meet_write_back: bool
    def __init__(self) -> None: ...

class ReclaimStats:
    @property
    def outcome(self) -> ReclaimOutcome: ...
    @property
    def elapsed_seconds(self) -> float: ...
    @property
    def touches(self) -> int: ...
    @property
    def faults_served(self) -> int: ...
    @property
    def fault_retries(self) -> int: ...
    @property
    def longest_fault_retries(self) -> int: ...
    @property
    def reclaimer_wakeups(self) -> int: ...
    @property
    def pages_reclaimed(self) -> int: ...
    @property
    def pages_reclaimed_directly(self) -> int: ...
    @property
    def pages_removed(self) -> int: ...
    @property
    def wake_calls(self) -> int: ...
    @property
    def young_skipped(self) -> int: ...
    @property
    def busy_being_reclaimed(self) -> int: ...
    @property
    def reclaim_seconds(self) -> float: ...
    @property
    def fault_wait_seconds(self) -> float: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def true_free(self) -> int: ...
    @property
    def active_pages(self) -> int: ...
    @property
    def fault_wakes_reclaimer(self) -> bool: ...
    @property
    def pages_conserved(self) -> bool: ...
    @property
    def soft_lockup_node(self) -> int: ...
    @property
    def faults_per_worker(self) -> npt.NDArray[np.int64]: ...
    @property
    def walk_seconds(self) -> npt.NDArray[np.float64]: ...
    @property
    def walk_touches(self) -> npt.NDArray[np.int64]: ...
    @property
    def walk_counter(self) -> npt.NDArray[np.int64]: ...
    @property
    def walk_exact(self) -> npt.NDArray[np.int64]: ...
    @property
    def walk_free(self) -> npt.NDArray[np.int64]: ...
    @property
    def update_ns(self) -> list[npt.NDArray[np.int64]]: ...
    @property
    def update_log_full(self) -> bool: ...

def reclaim(strategy: Strategy | str, config: ReclaimConfig) -> ReclaimStats: ...

class HammerPlan:
    @property
    def iterations_per_round(self) -> int: ...
    @property
    def iterations_per_stop_check(self) -> int: ...

def plan_hammer(config: HammerConfig) -> HammerPlan: ...

class ExploreScenario(enum.Enum):
    updates = 0
    reclaim = 1

class ExploreMode(enum.Enum):
    exhaustive = 0
    pct = 1

class SchedulePoints(enum.Enum):
    all = 0
    counter = 1

class ExploreReduction(enum.Enum):
    none = 0
    sleep = 1
    dpor = 2

class ExploreEngine(enum.Enum):
    fibers = 0
    threads = 1

class ExploreStop(enum.Enum):
    none = 0
    max_schedules = 1
    time_limit = 2
    interrupted = 3

class ScheduleOutcome(enum.Enum):
    correct = 0
    counter_off = 1
    hang = 2
    completed = 3
    deadlock = 4
    broken_lists = 5
    step_limit = 6
    pruned = 7

class ExploreConfig:
    scenario: ExploreScenario
    mode: ExploreMode
    threads: int
    ops: int
    nodes: int
    pages_per_node: int
    enclave_pages: int
    low: int
    high: int
    scan: int
    comparison: Comparison
    counter_batch: int | None
    stripes: int
    points: SchedulePoints
    preemption_bound: int | None
    sleep_sets: bool
    reduction: ExploreReduction
    engine: ExploreEngine
    jobs: int
    max_schedules: int
    time_limit_seconds: float
    max_steps: int
    depth: int
    runs: int
    seed: int
    steps: int
    keep_schedules: bool
    def __init__(self) -> None: ...

class Step:
    @property
    def thread(self) -> int: ...
    @property
    def access(self) -> str: ...
    @property
    def shared(self) -> str: ...
    @property
    def index(self) -> int: ...
    @property
    def value(self) -> int | None: ...
    @property
    def preemption(self) -> bool: ...
    @property
    def blocked(self) -> bool: ...

class ScheduleRun:
    @property
    def outcome(self) -> ScheduleOutcome: ...
    @property
    def schedule(self) -> list[int]: ...
    @property
    def steps(self) -> list[Step]: ...
    @property
    def preemptions(self) -> int: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def true_free(self) -> int: ...
    @property
    def read_error_bound(self) -> int: ...
    @property
    def active_pages(self) -> int: ...
    @property
    def faults_served(self) -> int: ...
    @property
    def fault_wakes_reclaimer(self) -> bool: ...
    @property
    def footprints(self) -> tuple[tuple[tuple[str, int, str], ...], ...]: ...
    @property
    def failed(self) -> bool: ...

class ExploreStats:
    @property
    def schedules(self) -> int: ...
    @property
    def failing(self) -> int: ...
    @property
    def runs(self) -> int: ...
    @property
    def pruned(self) -> int: ...
    @property
    def step_limited(self) -> int: ...
    @property
    def complete(self) -> bool: ...
    @property
    def bound_reached(self) -> bool: ...
    @property
    def bound_explored(self) -> int: ...
    @property
    def stopped(self) -> ExploreStop: ...
    @property
    def schedules_by_preemptions(self) -> list[int]: ...
    @property
    def failing_by_preemptions(self) -> list[int]: ...
    @property
    def first_failure(self) -> ScheduleRun | None: ...
    @property
    def elapsed_seconds(self) -> float: ...
    @property
    def pct_steps(self) -> int: ...
    @property
    def pct_runs_made(self) -> int: ...
    @property
    def longest_run(self) -> int: ...
    @property
    def first_failing_run(self) -> int: ...
    @property
    def schedules_run(self) -> list[list[int]]: ...

def explore(strategy: Strategy | str, config: ExploreConfig) -> ExploreStats: ...
def replay_schedule(strategy: Strategy | str, config: ExploreConfig, schedule: list[int]) -> ScheduleRun: ...
