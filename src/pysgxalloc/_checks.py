"""Argument checks shared by the public functions: types here, value ranges in C++."""

from __future__ import annotations

import enum
import numbers
import operator
from typing import TypeVar

import numpy as np

EnumT = TypeVar("EnumT", bound=enum.Enum)

# The core takes every integer as a C++ long long.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def as_int(name: str, value: object) -> int:
    """`value` as an int that fits the core's 64 bits (numpy integers too).

    TypeError for bools, floats (NaN and infinities included) and the rest;
    ValueError for ints beyond 64 bits, which the core's own range checks could
    not even receive.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError(f"{name} must fit in a signed 64-bit integer, got one of {number.bit_length()} bits")
    return number


def as_optional_int(name: str, value: object) -> int | None:
    """None, or `value` as an int like `as_int`."""
    return None if value is None else as_int(name, value)


def as_bool(name: str, value: object) -> bool:
    """`value` as a bool (numpy's bool too, what a numpy array's element is); TypeError for the rest."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def as_float(name: str, value: object) -> float:
    """`value` as a float (ints and numpy numbers too); TypeError for bools, strings and the rest.

    ValueError for an int too large for a float (10**400): out of range, like any
    other value the core's range check refuses.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} must be within a float's range (1.8e308), got a larger number") from None


def as_member(kind: type[EnumT], name: str, value: object) -> EnumT:
    """`value` as a member of the enum `kind`, given as the member or its name.

    ValueError for an unknown name lists the valid ones; TypeError for anything else.
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind[value]
        except KeyError:
            choices = ", ".join(member.name for member in kind)
            raise ValueError(f"unknown {name} {value!r}; choose one of: {choices}") from None
    raise TypeError(f"{name} must be a {kind.__name__} or its name (str), got {type(value).__name__}")
