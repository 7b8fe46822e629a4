"""The installed distribution's version, as ``pip show pysgxalloc`` reports it (pyproject.toml's)."""

from __future__ import annotations

from importlib import metadata


def installed_version() -> str:
    """The version pip installed, or "unknown" for a source tree that was never installed."""
    try:
        return metadata.version("pysgxalloc")
    except metadata.PackageNotFoundError:
        return "unknown"
