"""Building a pool (O(pages): about a second at the seed's 2 x 2^24 pages) releases the GIL: other
Python threads keep running, and Ctrl-C is seen as soon as the pool is built.
"""

from __future__ import annotations

import sys
import threading

import pytest

import pysgxalloc as sgx

PAGES_PER_NODE = 2**20  # large enough to take milliseconds, small enough for a shared test machine


def test_another_python_thread_runs_while_a_large_pool_is_built() -> None:
    # The watcher wakes once the build starts; with a long switch interval the only way it can
    # run before the build returns is the build releasing the GIL.
    building = False
    ran_during_build: list[bool] = []
    go = threading.Event()

    def watch() -> None:
        go.wait()
        ran_during_build.append(building)

    watcher = threading.Thread(target=watch)
    watcher.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        building = True
        go.set()
        pool = sgx.EpcPool("atomic", nodes=2, pages_per_node=PAGES_PER_NODE)
        building = False
    finally:
        sys.setswitchinterval(interval)
        watcher.join()
    assert ran_during_build == [True]
    assert pool.true_free == 2 * PAGES_PER_NODE


def test_a_bad_pool_shape_built_off_the_caller_thread_is_still_a_value_error() -> None:
    with pytest.raises(ValueError, match="nodes must be between 1 and"):
        sgx.EpcPool("atomic", nodes=0)
