"""HammerSettings: what one hammer run does, every setting defined in this one place (settings.py).

``hammer()``'s keyword parameters, the sweep's JSON and CSV, and the demo's and the sweep's options
all come from these fields. Fields follow the core's order (..., rounds, work, pin). Types are
checked here when one is built; value ranges are the core's to check (``hammer.check_hammer_settings``),
as for every public function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pysgxalloc._core import MemoryLayout, NodeSearch
from pysgxalloc.counter_options import counter_batch_setting, layout_setting, packed_setting
from pysgxalloc.pool_shape import (
    CheckedShape,
    NodesArg,
    NodeSearchLike,
    PagesPerNode,
    node_search_setting,
    nodes_setting,
    pages_per_node_setting,
    resolve_nodes,
    with_shape,
)
from pysgxalloc.settings import CHOICE, Setting, flag, integer, native_fields, optional_integer

Engine = Literal["native", "python"]
#: Every engine, native first.
ENGINES: tuple[Engine, ...] = get_args(Engine)

#: The batch a phased run gets where the caller does not choose one: two barriers per batch, so
#: hundreds of pages keep the barriers' share of the time small.
PHASED_BATCH = 1024

#: Operations per ``Pool.churn`` call of the Python engine unless the caller says otherwise.
DEFAULT_CHUNK = 100_000


def parse_engine(value: object) -> Engine:
    """Return the engine a user named; ValueError names the valid choices."""
    if not isinstance(value, str):
        raise TypeError(f"engine must be a str, got {type(value).__name__}")
    for engine in ENGINES:
        if value == engine:
            return engine
    raise ValueError(f"unknown engine {value!r}; choose one of: {', '.join(ENGINES)}")


@dataclass(frozen=True, kw_only=True)
class HammerSettings:
    """One hammer run's settings; ``hammer()`` takes each as a keyword."""

    threads: Setting[int, int] = integer(
        2, low=1, help="worker threads; worker i allocates from node i % nodes"
    )
    nodes: Setting[NodesArg, int] = nodes_setting()
    pages_per_node: Setting[PagesPerNode, int | tuple[int, ...]] = pages_per_node_setting(4096)
    ops: Setting[int, int] = integer(
        1_000_000,
        low=1,
        help="operations (one alloc or one free each) per thread over all rounds, rounded up to whole "
        "batches, at least one batch per round",
    )
    batch: Setting[int | None, int] = optional_integer(  # type: ignore[assignment]  # None becomes an int
        None,
        low=1,
        shown=f"1, or {PHASED_BATCH:,} in a phased run",
        help="pages each iteration allocates before freeing them",
    )
    rounds: Setting[int, int] = integer(
        1, low=1, help="quiescent drift readings per run: every thread stops at a barrier after each round"
    )
    work: Setting[int, int] = integer(
        0,
        low=0,
        help="busy-loop turns (about a cycle each) between operations: the more, the rarer the collisions",
    )
    pin: Setting[bool, bool] = flag(
        False,
        help="pin worker i to the i-th usable CPU, wrapping round",
        off_help="let the scheduler place the threads",
    )
    hold: Setting[int, int] = integer(
        0,
        low=0,
        help="pages each worker allocates before the clock starts and holds through every round, so "
        "quiescent readings happen with pages out (where percpu_batch's unfolded deltas show)",
    )
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    packed: Setting[bool, bool] = packed_setting()
    #: A comparison of designs: padded, so no design pays for the kernel's sharing.
    layout: Setting[MemoryLayout | str, MemoryLayout] = layout_setting(MemoryLayout.padded)
    phased: Setting[bool, bool] = flag(
        False,
        help="allocate, meet, free, meet: each phase changes the count one way only, so the updates "
        "lost in each direction are counted (the tables' lost per million; in Python: the result's "
        "lost_decrements and lost_increments)",
    )
    engine: Setting[Engine, Engine] = Setting(
        "native",
        lambda _name, value: parse_engine(value),
        kind=CHOICE,
        choices=ENGINES,
        core=None,
        help="who runs the threads: native (std::threads in C++) or python (threading.Thread workers, "
        "each calling the same C++ loop in chunks with the GIL released)",
    )
    chunk: Setting[int, int] = integer(
        DEFAULT_CHUNK,
        low=1,
        core=None,
        checked_here=False,  # the Python engine's own check: the native engine never reads it
        help="with engine=python: operations a worker runs per call into the C++ loop, each call with "
        "the GIL released",
    )
    node_search: Setting[NodeSearchLike, NodeSearch] = node_search_setting()

    def __post_init__(self) -> None:
        # A sequence of counts must have `nodes` entries; left out, `nodes` is its length (or 2).
        object.__setattr__(self, "nodes", resolve_nodes(self.nodes, self.pages_per_node))
        if self.batch is None:  # left out: resolved here, now that phased is known
            object.__setattr__(self, "batch", PHASED_BATCH if self.phased else 1)

    @property
    def shape(self) -> CheckedShape:
        return CheckedShape(self.nodes, self.pages_per_node, self.node_search)

    def native_fields(self) -> dict[str, object]:
        """The core's HammerConfig fields by name; the shape as the core takes it (a count, or node_pages)."""
        return with_shape(native_fields(self), self.shape)
