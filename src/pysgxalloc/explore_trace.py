"""A scheduled run's steps as data, and as columns a person can read.

Each step is one thread's access at one pause point. A store that writes a value its
thread loaded before another thread's update of the same cell *overwrites* that update:
the lost update, marked on the step where it happens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pysgxalloc import _core

#: Accesses that change the cell they name.
_WRITES = ("store", "rmw")
_PREEMPTION_MARK = "* "


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

    @property
    def target(self) -> str:
        """The shared object in words: 'counter', 'node 1 lock', ..."""
        return _target(self.shared, self.index)

    @property
    def description(self) -> str:
        """The step in words, with the value it saw or wrote."""
        text = f"{self.access} {self.target}".rstrip()
        if self.value is None:
            return text
        return f"{text} = {self.value}" if self.access == "load" else f"{text} <- {self.value}"


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


def trace_steps(steps: Iterable[_core.Step]) -> tuple[TraceStep, ...]:
    """The core's steps as TraceSteps, each store marked with the updates it overwrote."""
    raw = list(steps)
    traced = []
    for position, step in enumerate(raw):
        overwritten: tuple[int, ...] = ()
        if step.access == "store":
            overwritten = _overwritten(raw, position)
        traced.append(
            TraceStep(
                step=position + 1,
                thread=step.thread,
                access=step.access,
                shared=step.shared,
                index=step.index,
                value=step.value,
                preemption=step.preemption,
                overwrites=overwritten,
            )
        )
    return tuple(traced)


def _overwritten(steps: Sequence[_core.Step], position: int) -> tuple[int, ...]:
    """Threads that wrote the cell between this store's own load of it and the store."""
    store = steps[position]
    cell = (store.shared, store.index)
    writers: list[int] = []
    for earlier in reversed(steps[:position]):
        if (earlier.shared, earlier.index) != cell:
            continue
        if earlier.thread == store.thread:
            if earlier.access == "load":
                return tuple(sorted(set(writers)))
            continue
        if earlier.access in _WRITES:
            writers.append(earlier.thread)
    return ()


def trace_text(steps: Sequence[TraceStep], thread_names: Sequence[str]) -> str:
    """One column per thread, one line per step; '* ' marks a preemption, a lost update says so."""
    cells = [_PREEMPTION_MARK * step.preemption + step.description for step in steps]
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
            lost = ", ".join(thread_names[thread] for thread in step.overwrites)
            line += f"   <- LOST UPDATE: overwrites {lost}"
        lines.append(line)
    lines.append(f"('{_PREEMPTION_MARK.strip()}' marks a preemption: the thread before could have gone on)")
    return "\n".join(lines)
