"""Type stubs for the C++ core (csrc/bindings)."""

import enum

import numpy as np
import numpy.typing as npt

class Strategy(enum.Enum):
    plain_node_lock = 0
    plain_unlocked = 1
    plain_global_lock = 2
    atomic = 3
    atomic_in_lock = 4
    per_node = 5
    percpu_batch = 6
    striped = 7

class Accuracy(enum.Enum):
    exact = 0
    bounded = 1
    drifts = 2

class Comparison(enum.Enum):
    signed_count = 0
    kernel_unsigned = 1

class WatermarkRead(enum.Enum):
    cheap = 0
    exact_near_watermark = 1

class DoubleFreeError(ValueError): ...
class InvariantError(RuntimeError): ...

MAX_THREADS: int
CALLER_SLOT: int

def strategy_accuracy(strategy: Strategy) -> Accuracy: ...
def default_counter_batch() -> int: ...

class Tally:
    @property
    def ops(self) -> int: ...
    @property
    def alloc_failures(self) -> int: ...

class Pool:
    def __init__(
        self,
        strategy: Strategy,
        nodes: int,
        pages_per_node: int,
        initial_drift: int = 0,
        counter_batch: int | None = None,
        packed: bool = False,
    ) -> None: ...
    @property
    def strategy(self) -> Strategy: ...
    @property
    def nodes(self) -> int: ...
    @property
    def pages_per_node(self) -> int: ...
    @property
    def total_pages(self) -> int: ...
    @property
    def counter_batch(self) -> int: ...
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
    @property
    def counter_state_bytes(self) -> int: ...
    @property
    def true_free(self) -> int: ...
    @property
    def drift(self) -> int: ...
    @property
    def exact_drift(self) -> int: ...
    def should_reclaim(
        self, watermark: int, comparison: Comparison = ..., read: WatermarkRead = ...
    ) -> bool: ...
    def home_node(self, page: int) -> int: ...
    def is_free(self, page: int) -> bool: ...
    def invariant_violation(self) -> str: ...
    def churn(self, ops: int, node: int, slot: int, batch: int = 1, work: int = 0) -> Tally: ...

class HammerStats:
    @property
    def stopped(self) -> bool: ...
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

def hammer(
    strategy: Strategy,
    threads: int,
    nodes: int,
    pages_per_node: int,
    ops: int,
    batch: int,
    rounds: int,
    work: int,
    pin: bool,
    fail_worker: int = -1,
    hold: int = 0,
    counter_batch: int | None = None,
    packed: bool = False,
) -> HammerStats: ...

class ReadCostStats:
    @property
    def stopped(self) -> bool: ...
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

def read_cost(
    strategy: Strategy,
    writers: int,
    nodes: int,
    pages_per_node: int,
    ops: int,
    batch: int,
    work: int,
    exact_read: bool,
    pin: bool,
    counter_batch: int | None = None,
    packed: bool = False,
) -> ReadCostStats: ...

class PausedUpdateStats:
    @property
    def rival_finished_in_pause(self) -> bool: ...
    @property
    def counter(self) -> int: ...
    @property
    def exact_count(self) -> int: ...
    @property
    def true_free(self) -> int: ...

def paused_update(
    strategy: Strategy,
    rival_updates: int,
    pause_limit_seconds: float,
    counter_batch: int | None = None,
    packed: bool = False,
) -> PausedUpdateStats: ...

class ReclaimOutcome(enum.Enum):
    completed = 0
    stalled = 1
    retry_limit = 2
    interrupted = 3

class ReclaimConfig:
    threads: int
    nodes: int
    pages_per_node: int
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
    stall_seconds: float
    max_retries: int
    pin: bool
    leak_pages: int
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
    def faults_per_worker(self) -> npt.NDArray[np.int64]: ...

def reclaim(strategy: Strategy, config: ReclaimConfig) -> ReclaimStats: ...

class HammerPlan:
    @property
    def iterations_per_round(self) -> int: ...
    @property
    def iterations_per_stop_check(self) -> int: ...

def plan_hammer(
    threads: int,
    nodes: int,
    pages_per_node: int,
    ops: int,
    batch: int,
    rounds: int,
    work: int,
    fail_worker: int = -1,
    hold: int = 0,
) -> HammerPlan: ...
