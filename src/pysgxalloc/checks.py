"""Argument checks shared by the public functions: types here, value ranges in C++."""

from __future__ import annotations

import numbers
import operator


def as_int(name: str, value: object) -> int:
    """`value` as an int (numpy integers too); TypeError for bools, floats and the rest."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


def as_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def as_float(name: str, value: object) -> float:
    """`value` as a float (ints and numpy numbers too); TypeError for bools, strings and the rest."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)
