"""A pool's shape as users give it: how many nodes, how many pages each, and which node search runs.

``pages_per_node`` is an int (every node the same) or a sequence with one count per node,
0 for a node that has CPUs but no EPC (it is not in ``sgx_numa_mask``). ``nodes`` left out
(``NODES_FROM_PAGES``) is the sequence's length, or 2 with an int; given, it must be an int,
and equal the sequence's length.
Types are checked here; value ranges (negative counts, no node with EPC, more than 1024
nodes, too many pages) are the core's to check, in one place (csrc/model/pool_shape.hpp).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Final, Literal

from pysgxalloc._checks import as_int, as_member
from pysgxalloc._core import NodeSearch
from pysgxalloc.settings import INT, PAGES, Setting, member

#: What ``pages_per_node`` accepts: one count for every node, or one count per node.
PagesPerNode = int | Sequence[int]
NodeSearchLike = NodeSearch | str

#: Nodes when neither ``nodes`` nor a sequence of counts says.
DEFAULT_NODES = 2


class _NodesFromPages(enum.Enum):
    TOKEN = "nodes left out"

    def __repr__(self) -> str:
        return "<as many as pages_per_node lists, else 2>"


#: ``nodes``' default: as many as a sequence of counts lists, else `DEFAULT_NODES`.
NODES_FROM_PAGES: Final = _NodesFromPages.TOKEN
#: What ``nodes`` accepts: a count, or its default.
NodesArg = int | Literal[_NodesFromPages.TOKEN]


def parse_node_search(value: object) -> NodeSearch:
    """Return the `NodeSearch` a user named; ValueError names the valid choices."""
    return as_member(NodeSearch, "node_search", value)


def as_pages_per_node(value: object) -> int | tuple[int, ...]:
    """`value` as an int, or as a tuple of ints when it is a sequence (a list, a tuple, a numpy array).
    A dict or a set is no sequence: it has no order of nodes (TypeError)."""
    if isinstance(value, (Mapping, AbstractSet)):
        raise TypeError(
            f"pages_per_node must be an int or a sequence of ints in node order, got {type(value).__name__}"
        )
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not hasattr(value, "__iter__"):
        return as_int("pages_per_node", value)
    return tuple(as_int(f"pages_per_node[{index}]", count) for index, count in enumerate(value))


def resolve_nodes(nodes: object, pages_per_node: int | tuple[int, ...]) -> int:
    """The node count: `nodes`, or the length of a sequence of counts (which a given `nodes` must equal)."""
    if isinstance(pages_per_node, tuple):
        if nodes is NODES_FROM_PAGES:
            return len(pages_per_node)
        count = as_int("nodes", nodes)
        if count != len(pages_per_node):
            listed = len(pages_per_node)
            raise ValueError(
                f"nodes must equal the length of pages_per_node ({listed}) or be left out, got {count}"
            )
        return count
    return DEFAULT_NODES if nodes is NODES_FROM_PAGES else as_int("nodes", nodes)


def _as_nodes(name: str, value: object) -> int:
    # The token stays until the settings type, having seen pages_per_node, replaces it with the count.
    return value if value is NODES_FROM_PAGES else as_int(name, value)  # type: ignore[return-value]


# The shape's settings, as every settings type with a pool shape declares them (hammer, reclaim).


def nodes_setting() -> Setting[NodesArg, int]:
    """``nodes``: a count, or left out: as many as ``pages_per_node`` lists, else `DEFAULT_NODES`
    (the settings type resolves it, once it has seen ``pages_per_node``)."""
    return Setting(
        NODES_FROM_PAGES,
        _as_nodes,
        kind=INT,
        low=1,
        metavar="N",
        shown=f"{DEFAULT_NODES}, or as many as pages_per_node lists",
        help="NUMA nodes",
    )


def pages_per_node_setting(default: int) -> Setting[PagesPerNode, int | tuple[int, ...]]:
    """``pages_per_node``: one count for every node, or one count per node (0: a CPU-only node)."""
    return Setting(
        default,
        lambda _name, value: as_pages_per_node(value),
        kind=PAGES,
        low=1,
        metavar="N[,N...]",
        help="EPC pages of every node, or one count per node such as 4096,4096,0 (0: a node with CPUs "
        "but no EPC)",
    )


def node_search_setting() -> Setting[NodeSearchLike, NodeSearch]:
    """``node_search``: how a worker on a CPU-only node searches the nodes with EPC."""
    return member(
        NodeSearch,
        NodeSearch.fixed_2024,
        help="how a worker on a CPU-only node searches the nodes with EPC: v5.13's, which never ends "
        "once every list is empty, or the 2024 fix",
    )


@dataclass(frozen=True)
class CheckedShape:
    """`nodes`, `pages_per_node` and `node_search` as a public function received them, types checked."""

    nodes: int
    pages_per_node: int | tuple[int, ...]  #: as given: one count for every node, or one per node
    node_search: NodeSearch

    @property
    def node_pages(self) -> list[int]:
        """The core's per-node counts: the sequence, or empty when one count serves every node."""
        return list(self.pages_per_node) if isinstance(self.pages_per_node, tuple) else []

    @property
    def uniform_pages(self) -> int:
        """The core's count for every node; 0 (unused) when `node_pages` lists them."""
        return 0 if isinstance(self.pages_per_node, tuple) else self.pages_per_node

    def native_fields(self) -> dict[str, Any]:
        """The fields of a core run config (HammerConfig, ReclaimConfig) that say the shape, by name."""
        fields: dict[str, Any] = {
            "nodes": self.nodes,
            "node_pages": self.node_pages,
            "node_search": self.node_search,
        }
        if not self.node_pages:
            fields["pages_per_node"] = self.pages_per_node
        return fields


def with_shape(fields: dict[str, object], shape: CheckedShape) -> dict[str, object]:
    """A settings type's core fields (settings.native_fields) with its shape as the core takes it: one
    count for every node, or node_pages, in place of pages_per_node as given."""
    del fields["pages_per_node"]
    return fields | shape.native_fields()


def checked_shape(nodes: object, pages_per_node: object, node_search: object) -> CheckedShape:
    """The three shape arguments checked in order: TypeError or ValueError for the first bad one."""
    pages = as_pages_per_node(pages_per_node)
    return CheckedShape(resolve_nodes(nodes, pages), pages, parse_node_search(node_search))


def total_epc_pages(nodes: int, pages_per_node: int | tuple[int, ...]) -> int:
    """Every EPC page of the shape."""
    return sum(pages_per_node) if isinstance(pages_per_node, tuple) else nodes * pages_per_node


def describe_shape(nodes: int, pages_per_node: int | tuple[int, ...]) -> str:
    """``2 x 4096`` or ``[4096, 4096, 0]``: the shape as tables print it."""
    if isinstance(pages_per_node, tuple):
        return "[" + ", ".join(str(count) for count in pages_per_node) + "]"
    return f"{nodes:,} x {pages_per_node:,}"
