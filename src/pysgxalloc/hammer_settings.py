"""HammerSettings: what one hammer run does, defined and type-checked in this one place.

``hammer()`` builds one from its keyword parameters, the Python engine runs one, and a
sweep and the demo hold one as the template of every run they make. Fields follow the
core's order (..., rounds, work, pin). Types are checked here when one is built; value
ranges are the core's to check (``hammer.check_hammer_settings``), as for every public
function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal, get_args

from pysgxalloc._checks import as_bool, as_int, as_optional_int
from pysgxalloc._core import NodeSearch
from pysgxalloc.pool_shape import as_pages_per_node, parse_node_search, resolve_nodes

Engine = Literal["native", "python"]
#: Every engine, native first.
ENGINES: tuple[Engine, ...] = get_args(Engine)

#: The batch a phased run gets where the caller does not choose one (the CLI): two barriers per
#: batch, so hundreds of pages keep the barriers' share of the time small.
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


@dataclass(frozen=True)
class HammerSettings:
    """One hammer run's settings; see ``hammer()`` for what each one means."""

    threads: int = 2
    nodes: int = 2  #: must equal len(pages_per_node) when that is a sequence
    pages_per_node: int | tuple[int, ...] = 4096  #: or one count per node, 0 for a CPU-only node
    ops: int = 1_000_000  #: per thread, over all rounds
    batch: int = 1
    rounds: int = 1
    work: int = 0
    pin: bool = False
    hold: int = 0
    counter_batch: int | None = None  #: None: the core's default
    packed: bool = False
    phased: bool = False  #: lost updates by direction: allocate, meet, free, meet (see hammer())
    engine: Engine = "native"
    chunk: int = DEFAULT_CHUNK  #: python engine only
    node_search: NodeSearch = NodeSearch.fixed_2024  #: matters only to workers on CPU-only nodes

    def __post_init__(self) -> None:
        # Every field checked in declaration order, so the first bad one is the one reported;
        # numpy integers become ints, which the core and JSON both take.
        for field in fields(self):
            check = _CHECKS.get(field.name, as_int)
            object.__setattr__(self, field.name, check(field.name, getattr(self, field.name)))
        resolve_nodes(self.nodes, self.pages_per_node)  # a sequence of counts must have `nodes` entries


# The fields that are not plain ints, and how each is checked.
_CHECKS: dict[str, Callable[[str, object], object]] = {
    "pin": as_bool,
    "packed": as_bool,
    "phased": as_bool,
    "counter_batch": as_optional_int,
    "engine": lambda _name, value: parse_engine(value),
    "pages_per_node": lambda _name, value: as_pages_per_node(value),
    "node_search": lambda _name, value: parse_node_search(value),
}
