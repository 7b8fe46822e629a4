"""Shared markers and fixtures for the specification tests."""

from __future__ import annotations

import pytest

from pysgxalloc.machine import usable_cpus

needs_two_cpus = pytest.mark.skipif(
    usable_cpus() < 2,
    reason="two threads only race for real on two CPUs; this machine lets the process use one",
)
