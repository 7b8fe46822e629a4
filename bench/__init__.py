"""pysgxalloc's benchmarks: the pytest-benchmark suite (``pytest bench/``) and stand-alone scripts.

A package so that the suite's helpers import as ``bench.*`` beside tests/'s own conftest.
"""
