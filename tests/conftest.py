"""Shared markers for the specification tests."""

from __future__ import annotations

import pytest

from pysgxalloc.machine import usable_cpus


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_two_cpus: a real race needs two threads running at once")
    config.addinivalue_line("markers", "slow: minutes (a wheel built from the checkout); part of the suite")
    config.addinivalue_line(
        "markers",
        "compiles: builds C++ with the compiler as it runs (a wheel, a strategy of the user's); what it "
        "builds is not instrumented, so .ci/run's AddressSanitizer stage leaves these out",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_two_cpus") and usable_cpus() < 2:
        pytest.skip("two threads only race for real on two CPUs; this process may use one")
