"""A pool made with __new__ and never initialised raises TypeError on every use; it never crashes.

pybind11 checks that __init__ ran only when a class is called; a method called later on
such an instance was handed raw, unconstructed storage (a segmentation fault). Each case
runs in a child interpreter, so a crash fails the test instead of ending the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = """
import pysgxalloc
from pysgxalloc import _core
cls = {cls}
pool = cls.__new__(cls)
uses = {{
    "counter": lambda: pool.counter, "nodes": lambda: pool.nodes, "packed": lambda: pool.packed,
    "alloc": lambda: pool.alloc(0), "free": lambda: pool.free(0),
    "count_below": lambda: pool.count_below(32),
    "home_node": lambda: pool.home_node(0), "invariant_violation": lambda: pool.invariant_violation(),
    "churn": lambda: pool.churn(10, 0, 0),
}}
if "__repr__" in vars(cls):  # EpcPool's own repr reads the pool
    uses["repr"] = lambda: repr(pool)
for name, use in uses.items():
    try:
        use()
    except TypeError as error:
        print(name, "TypeError:", error)
    else:
        print(name, "returned")
"""


@pytest.mark.parametrize("cls", ["pysgxalloc.EpcPool", "_core.Pool"])
def test_every_use_of_a_never_initialised_pool_raises_type_error(cls: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD).format(cls=cls)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    lines = child.stdout.splitlines()
    assert len(lines) >= 9
    name = cls.rsplit(".", 1)[1]
    for line in lines:
        assert f"TypeError: {name} was never initialised" in line
