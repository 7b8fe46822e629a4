"""Argument checks shared by the public functions: types here, value ranges in C++."""

from __future__ import annotations

import operator


def as_int(name: str, value: object) -> int:
    """`value` as an int (numpy integers too); TypeError for bools, floats and the rest."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


def as_optional_int(name: str, value: object) -> int | None:
    """None, or `value` as an int like `as_int`."""
    return None if value is None else as_int(name, value)


def as_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value
