"""The bench scripts' argument types, on the public API only: a bad value is a usage error (exit 2)
that says what is wrong, as the ``pysgxalloc`` command's are."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pysgxalloc as sgx


def at_least(low: int) -> Callable[[str], int]:
    """An integer >= `low` (``2_000_000`` too)."""

    def integer(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return integer


positive_int = at_least(1)


def listed(item: Callable[[str], object], every: tuple[str, ...] = ()) -> Callable[[str], tuple[object, ...]]:
    """Comma-separated items of type `item`, each once, in order; "all" for `every` where given."""

    def items(text: str) -> tuple[object, ...]:
        if every and text.strip() == "all":
            return every
        parts = [part for part in text.split(",") if part.strip()]
        if not parts:
            raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
        try:
            return tuple(dict.fromkeys(item(part.strip()) for part in parts))
        except ValueError as error:  # an unknown strategy or engine: the library's message
            raise argparse.ArgumentTypeError(str(error)) from None

    return items


def integer_list(low: int) -> Callable[[str], tuple[object, ...]]:
    return listed(at_least(low))


thread_counts = integer_list(1)
strategy_names = listed(lambda name: sgx.parse_strategy(name).name, tuple(s.name for s in sgx.STRATEGIES))
engine_names = listed(lambda name: sgx.HammerSettings(engine=name).engine, sgx.ENGINES)  # type: ignore[arg-type]
