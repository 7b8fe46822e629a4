"""A scheduled run's steps as data, and as columns a person can read.

Each step is one thread's access at one pause point. A store that writes a value its
thread loaded before other threads' updates of the same cell *overwrites* those updates:
the lost update, marked on the step where it happens with how many it wiped out. A switch
to another thread is a preemption ('*': the thread before could have gone on) or forced
('~': the thread before blocked on a lock another thread holds). In the reclaim scenario a
load its thread does not follow with a store to the same cell is no update's: it is the
watermark test (sgx_should_reclaim()) reading the count, and says so. The last row says
how the run ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pysgxalloc import _core

#: Accesses that change the cell they name.
_WRITES = ("store", "rmw")
_PREEMPTION_MARK = "* "
_BLOCKED_MARK = "~ "
_COUNTER_CELLS = ("counter", "node_count", "cpu_delta", "stripe")


@dataclass(frozen=True)
class TraceStep:
    """One step of a scheduled run."""

    step: int  #: 1-based position in the run
    thread: int
    access: str  #: load, store, rmw, lock, unlock, wait, sleep, wake or retry
    #: counter, node_count, cpu_delta, stripe, node_lock, global_lock, active_list, enclave_lock,
    #: ksgxd_queue or none
    shared: str
    index: int  #: which node, slot or cell `shared` names
    value: int | None  #: a counter cell just after the step: what a load saw, what a store wrote
    preemption: bool  #: the thread before it could have gone on
    overwrites: tuple[int, ...]  #: threads whose updates of this cell this store overwrote
    #: the steps (their `step`) whose updates this store overwrote, in order
    overwritten_steps: tuple[int, ...] = ()
    blocked: bool = False  #: a switch because the thread before blocked on a held lock
    watermark_test: bool = False  #: a load by the watermark test (sgx_should_reclaim()), not an update

    @property
    def lost_updates(self) -> int:
        """How many updates this store wiped out."""
        return len(self.overwritten_steps)

    @property
    def target(self) -> str:
        """The shared object in words: 'counter', 'node 1 lock', ..."""
        return _target(self.shared, self.index)

    @property
    def description(self) -> str:
        """The step in words, with the value it saw or wrote."""
        text = f"{self.access} {self.target}".rstrip()
        if self.watermark_test:
            text = f"watermark test: {self.target}"
        if self.value is None:
            return text
        return f"{text} = {self.value}" if self.access == "load" else f"{text} <- {self.value}"

    @property
    def mark(self) -> str:
        """What the trace puts before it: '* ' after a preemption, '~ ' after a forced switch."""
        return _PREEMPTION_MARK if self.preemption else _BLOCKED_MARK if self.blocked else ""


def _target(shared: str, index: int) -> str:
    if shared in ("counter", "global_lock", "active_list", "ksgxd_queue"):
        return {"counter": "counter", "global_lock": "global lock", "active_list": "active list"}.get(
            shared, "ksgxd_waitq"
        )
    if shared == "none":
        return ""
    word = {
        "node_count": "node {} count",
        "cpu_delta": "cpu {} delta",
        "stripe": "stripe {}",
        "node_lock": "node {} lock",
        "enclave_lock": "enclave {} lock",
    }
    return word.get(shared, shared + " {}").format(index)


def trace_steps(steps: Iterable[_core.Step], *, reads_are_tests: bool = False) -> tuple[TraceStep, ...]:
    """The core's steps as TraceSteps, each store marked with the updates it overwrote; with
    `reads_are_tests` (the reclaim scenario, where only sgx_should_reclaim() reads the count), each
    counter load that is no update's marked as the watermark test."""
    raw = list(steps)
    traced = []
    for position, step in enumerate(raw):
        overwritten: tuple[int, ...] = ()
        if step.access == "store":
            overwritten = _overwritten(raw, position)
        test = reads_are_tests and step.access == "load" and step.shared in _COUNTER_CELLS
        traced.append(
            TraceStep(
                step=position + 1,
                thread=step.thread,
                access=step.access,
                shared=step.shared,
                index=step.index,
                value=step.value,
                preemption=step.preemption,
                overwrites=tuple(sorted({raw[at].thread for at in overwritten})),
                overwritten_steps=tuple(at + 1 for at in overwritten),
                blocked=step.blocked,
                watermark_test=test and not _stored_after(raw, position),
            )
        )
    return tuple(traced)


def _overwritten(steps: Sequence[_core.Step], position: int) -> tuple[int, ...]:
    """Positions of other threads' writes of the cell between this store's own load of it and the store."""
    store = steps[position]
    cell = (store.shared, store.index)
    writes: list[int] = []
    for at in range(position - 1, -1, -1):
        earlier = steps[at]
        if (earlier.shared, earlier.index) != cell:
            continue
        if earlier.thread == store.thread:
            if earlier.access == "load":
                return tuple(reversed(writes))
            continue
        if earlier.access in _WRITES:
            writes.append(at)
    return ()


def _stored_after(steps: Sequence[_core.Step], position: int) -> bool:
    """Whether the thread's next access to the loaded cell is a store: the load was an update's."""
    load = steps[position]
    cell = (load.shared, load.index)
    for later in steps[position + 1 :]:
        if later.thread == load.thread and (later.shared, later.index) == cell:
            return later.access in _WRITES
    return False


def trace_text(steps: Sequence[TraceStep], thread_names: Sequence[str], end: str = "") -> str:
    """One column per thread, one line per step, then `end` (how the run ended) as the last row;
    '* ' marks a preemption, '~ ' a switch forced by a held lock, a lost update says how many it lost."""
    cells = [step.mark + step.description for step in steps]
    widths = [len(name) for name in thread_names]
    for step, cell in zip(steps, cells, strict=True):
        widths[step.thread] = max(widths[step.thread], len(cell))
    number = max(len("step"), len(str(len(steps))))
    lines = [
        "  ".join(
            [f"{'step':>{number}}", *(f"{n:<{w}}" for n, w in zip(thread_names, widths, strict=True))]
        ).rstrip()
    ]
    for step, cell in zip(steps, cells, strict=True):
        columns = [cell if thread == step.thread else "" for thread in range(len(thread_names))]
        line = "  ".join(
            [f"{step.step:>{number}}", *(f"{c:<{w}}" for c, w in zip(columns, widths, strict=True))]
        ).rstrip()
        if step.overwrites:
            line += f"   <- LOST UPDATE: overwrites {_lost(steps, step, thread_names)}"
        lines.append(line)
    if end:
        lines.append(f"{'end':>{number}}  {end}")
    lines.append(
        f"('{_PREEMPTION_MARK.strip()}' marks a preemption: the thread before could have gone on; "
        f"'{_BLOCKED_MARK.strip()}' a switch because the thread before blocked on a held lock)"
    )
    return "\n".join(lines)


def _lost(steps: Sequence[TraceStep], store: TraceStep, thread_names: Sequence[str]) -> str:
    """``4 updates of worker 1``, or ``1 update of thread 1, 2 of thread 2``."""
    by_thread: dict[int, int] = {}
    for number in store.overwritten_steps:
        writer = steps[number - 1].thread
        by_thread[writer] = by_thread.get(writer, 0) + 1
    parts = []
    for index, (thread, count) in enumerate(sorted(by_thread.items())):
        what = ("update" if count == 1 else "updates") if index == 0 else ""
        parts.append(f"{count} {what} of {thread_names[thread]}".replace("  ", " "))
    return ", ".join(parts)
