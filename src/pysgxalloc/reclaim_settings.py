"""ReclaimSettings: what one reclaim scenario does, every setting defined in this one place (settings.py).

``reclaim_scenario()``'s keyword parameters and the reclaim command's options come from these
fields; the core's ``ReclaimConfig`` is filled from them by name. Types are checked here; value
ranges are the core's to check when the run starts (csrc/scenario/reclaim_scenario.cpp).

``preset="seed"`` is the shape of the report's experiment on the EPC the settings give: one fault worker, one
enclave `SEED_ENCLAVE_EXCESS` larger than the EPC, three passes, the last removing every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pysgxalloc._core import Comparison, MemoryLayout, NodeSearch, PlainUpdate, WatermarkRead
from pysgxalloc.counter_options import counter_batch_setting, layout_setting, packed_setting
from pysgxalloc.pool import PlainUpdateLike
from pysgxalloc.pool_shape import (
    CheckedShape,
    NodesArg,
    NodeSearchLike,
    PagesPerNode,
    node_search_setting,
    nodes_setting,
    pages_per_node_setting,
    resolve_nodes,
    total_epc_pages,
    with_shape,
)
from pysgxalloc.settings import (
    CHOICE,
    Setting,
    flag,
    integer,
    member,
    native_fields,
    number,
    strict_member,
)

ComparisonLike = Comparison | str

#: The presets `reclaim_scenario` knows.
PRESETS = ("seed",)
#: The seed's enclave: this fraction larger than the EPC, so that reclaim must run.
SEED_ENCLAVE_EXCESS = 1 / 8


def seed_enclave_pages(epc_pages: int) -> int:
    """The seed's enclave on an EPC of `epc_pages`: SEED_ENCLAVE_EXCESS larger, at least one page more."""
    return epc_pages + max(1, int(epc_pages * SEED_ENCLAVE_EXCESS))


def _as_preset(name: str, value: object) -> str | None:
    if value is not None and value not in PRESETS:
        raise ValueError(f"{name} must be one of {', '.join(PRESETS)} or None, got {value!r}")
    return value  # None or one of PRESETS, a str


@dataclass(frozen=True, kw_only=True)
class ReclaimSettings:
    """One reclaim scenario's settings; ``reclaim_scenario()`` takes each as a keyword."""

    #: The seed's machine: 2 nodes of 16,777,216 EPC pages (64 GiB each).
    SEED_FULL_PAGES_PER_NODE: ClassVar[int] = 1 << 24

    nodes: Setting[NodesArg, int] = nodes_setting()
    pages_per_node: Setting[PagesPerNode, int | tuple[int, ...]] = pages_per_node_setting(4096)
    enclave_pages: Setting[int, int] = integer(
        16384,
        low=1,
        help="enclave pages, split between the fault workers (twice the default EPC, so reclaim must run)",
    )
    threads: Setting[int, int] = integer(
        2,
        low=1,
        help="fault workers; worker i allocates from node i % nodes first (the reclaimer, ksgxd, is one "
        "more thread)",
    )
    passes: Setting[int, int] = integer(
        3, low=1, help="passes each worker makes over its share of the enclave, touching every page"
    )
    low: Setting[int, int] = integer(
        32,
        metavar="PAGES",
        help="low watermark: an allocation wakes the reclaimer when the count reads below it (the "
        "default is the kernel's)",
    )
    high: Setting[int, int] = integer(
        64,
        metavar="PAGES",
        help="high watermark: the reclaimer sleeps until the count reads below it (the default is the "
        "kernel's)",
    )
    scan: Setting[int, int] = integer(
        16, metavar="PAGES", help="pages per reclaim batch (the default is the kernel's)"
    )
    comparison: Setting[ComparisonLike, Comparison] = member(
        Comparison,
        Comparison.kernel_unsigned,
        help="how the watermark test compares the count: as the kernel does (kernel_unsigned: a negative "
        "count reads as huge), or as a signed number (signed_count)",
    )
    initial_drift: Setting[int, int] = integer(
        0, metavar="PAGES", help="start the counter off by this much, to show the hang deterministically"
    )
    stall_seconds: Setting[float, float] = number(
        0.5,
        help="no touch completed anywhere and no page scanned for this long, without the proven hang, "
        "means stalled",
    )
    max_retries: Setting[int, int] = integer(
        1 << 27, help="one fault retried more ends the run: hung if proven, else stalled"
    )
    pin: Setting[bool, bool] = flag(
        True,
        help="pin fault worker i to the i-th usable CPU (wrapping round); the reclaimer floats",
        off_help="let the scheduler place the fault workers",
    )
    watermark_read: Setting[WatermarkRead, WatermarkRead] = strict_member(
        WatermarkRead,
        WatermarkRead.cheap,
        help="the read both watermark tests compare: the cheap read, as the kernel does (cheap); or the "
        "exact read wherever the cheap one lies near the watermark, within batch x threads as Linux's "
        "percpu counters compare (exact_near_watermark), or within the cheap read's error bound "
        "(exact_within_error_bound); only percpu_batch's two reads differ",
    )
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    packed: Setting[bool, bool] = packed_setting()
    #: The scenario models the kernel (and so does its seed preset): v5.15's layout.
    layout: Setting[MemoryLayout | str, MemoryLayout] = layout_setting(MemoryLayout.kernel)
    node_search: Setting[NodeSearchLike, NodeSearch] = node_search_setting()
    plain_update: Setting[PlainUpdateLike, PlainUpdate] = member(
        PlainUpdate,
        PlainUpdate.in_place,
        help="the plain strategies' update: in_place, the one instruction gcc makes of the kernel's --, "
        "or load_store, a load then a store",
    )
    remote_fetch_ns: Setting[int, int] = integer(
        0,
        metavar="NS",
        help="with plain_update=load_store: a wait this long between the load and the store, the remote "
        "cache-line fetch of a two-socket machine",
    )
    shared_enclave: Setting[bool, bool] = flag(
        False,
        help="one enclave (one lock) for every worker, so their faults are serialised; else one enclave "
        "per worker",
    )
    direct_reclaim: Setting[bool, bool] = flag(
        False,
        help="allocate with reclaim=true, as EADD and EAUG do: an allocation that finds the lists empty "
        "reclaims pages itself instead of waiting for ksgxd",
    )
    remove_last_pass: Setting[bool, bool] = flag(
        False, help="the last pass removes each page (the remove-pages ioctl), freeing its EPC page"
    )
    fault_leaves_young: Setting[bool, bool] = flag(
        True,
        help="a served fault leaves its page accessed: the touch that faulted is retried, and the MMU sets "
        "the accessed bit that the kernel's fault handler (sgx_vma_fault) has just cleared",
        off_help="leave a faulted page old, as the kernel's fault handler itself does (its code with no MMU "
        "under it), so the reclaimer's first scan evicts it",
    )
    unreclaimable_pages: Setting[int, int] = integer(
        0,
        low=0,
        help="EPC pages allocated before the run and never reclaimable, as the kernel's SECS and "
        "version-array pages: with them, an allocation can find nothing free and nothing to reclaim "
        "(-ENOMEM: out_of_memory)",
    )
    walk_interval_seconds: Setting[float, float] = number(
        0.0,
        flag="--walk",
        shown="0: no walk",
        help="sample the drift (the count and the free pages, every node lock held) this often (e.g. "
        "0.01) and once at the end; the reclaim command sums the walk up after its table (in Python: the "
        "result's drift_walk)",
    )
    update_log_limit: Setting[int, int] = integer(
        0,
        shown="0: none",
        help="stamp the time of every update of the one shared count, up to this many per thread, for "
        "the strategies that have one (in Python: the result's update_log; the reclaim command prints "
        "none of it)",
    )
    preset: Setting[str | None, str | None] = Setting(
        None,
        _as_preset,
        kind=CHOICE,
        choices=PRESETS,
        core=None,
        shown="none",
        help="seed: the experiment of the report that found the hang, on the EPC of nodes x "
        "pages_per_node (one fault worker, one enclave an eighth larger than the EPC, 3 passes, the last "
        "removing every page); it sets threads, enclave_pages, passes, shared_enclave and "
        "remove_last_pass itself",
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", resolve_nodes(self.nodes, self.pages_per_node))
        if self.preset is not None:
            self._apply_preset()

    def _apply_preset(self) -> None:
        """Set what the preset sets; ValueError if the caller set one of them too (to another value
        than the preset's: settings that already hold the preset's shape stay as they are)."""
        epc = total_epc_pages(self.nodes, self.pages_per_node)
        shape = {
            "threads": 1,
            "enclave_pages": seed_enclave_pages(epc),
            "passes": 3,
            "shared_enclave": True,
            "remove_last_pass": True,
        }
        changed = [
            name
            for name, value in shape.items()
            if getattr(self, name) not in (getattr(DEFAULTS, name), value)
        ]
        if changed:
            raise ValueError(
                f"preset={self.preset!r} sets {', '.join(changed)} itself; leave it at its default"
            )
        for name, value in shape.items():
            object.__setattr__(self, name, value)

    @property
    def shape(self) -> CheckedShape:
        return CheckedShape(self.nodes, self.pages_per_node, self.node_search)

    @property
    def epc_pages(self) -> int:
        return total_epc_pages(self.nodes, self.pages_per_node)

    def native_fields(self) -> dict[str, object]:
        """The core's ReclaimConfig fields by name; the shape as the core takes it (a count or node_pages)."""
        return with_shape(native_fields(self), self.shape)


#: Every setting at its default.
DEFAULTS = ReclaimSettings()
