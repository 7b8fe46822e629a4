"""Configurations for the C++ core's runs, filled in by name.

The core binds each run kind's configuration as a class with named fields
(``_core.HammerConfig``, ``ReadCostConfig``, ``ReclaimConfig``,
``PausedUpdateConfig``). Setting them by name means an inserted field cannot
shift every value after it, and a misspelt one fails (AttributeError) instead
of being ignored. The names and values come from the run's settings type
(settings.native_fields: each setting's core name). The core validates every
value once, when the run starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

ConfigT = TypeVar("ConfigT")


def native_config(config_type: Callable[[], ConfigT], **fields: object) -> ConfigT:
    """A fresh `config_type` with each of `fields` set by name."""
    config = config_type()
    for name, value in fields.items():
        setattr(config, name, value)
    return config
