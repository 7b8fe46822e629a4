"""Faults the tests inject, kept out of every public signature (help() shows none of them).

    with failing_worker(1):        # hammer()'s worker 1 raises before it starts
        sgx.hammer("atomic", threads=3)
    with leaking_pages(1):         # reclaim_scenario()'s reclaimer loses one page
        sgx.reclaim_scenario("atomic")
    with meeting_write_back():     # a fault meets a page ksgxd is writing back
        sgx.reclaim_scenario("atomic", passes=2)

The settings are module state, read when a run starts; they are for single-threaded tests only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: hammer(): this worker raises before starting (-1: none).
fail_worker = -1
#: reclaim_scenario(): the reclaimer loses this many pages, for the conservation check.
leak_pages = 0
#: reclaim_scenario(): ksgxd's first marked batch waits for a fault to find one of its pages being
#: written back, and the workers wait for that batch before their second pass (write_back_meeting.hpp).
meet_write_back = False


@contextmanager
def failing_worker(index: int) -> Iterator[None]:
    """hammer() runs inside the block make worker `index` raise before it starts."""
    global fail_worker
    fail_worker = index
    try:
        yield
    finally:
        fail_worker = -1


@contextmanager
def leaking_pages(count: int) -> Iterator[None]:
    """reclaim_scenario() runs inside the block have the reclaimer lose `count` pages."""
    global leak_pages
    leak_pages = count
    try:
        yield
    finally:
        leak_pages = 0


@contextmanager
def meeting_write_back() -> Iterator[None]:
    """reclaim_scenario() runs inside the block have a fault meet a page being written back."""
    global meet_write_back
    meet_write_back = True
    try:
        yield
    finally:
        meet_write_back = False
