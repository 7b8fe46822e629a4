"""A count with its noun, as every printed line writes one: "1 thread", "2 threads", "2,000,000 ops".

One place, so that no output line says "1 threads" or "2000000 ops": the noun agrees with the count,
and the count has thousands separators.
"""

from __future__ import annotations

import operator
from typing import SupportsIndex


def counted(count: SupportsIndex, noun: str, plural: str | None = None) -> str:
    """`count` (an int, numpy's too) with thousands separators, then `noun`, or its plural unless the
    count is 1: `plural` where adding an "s" is wrong (``counted(2, "strategy", "strategies")``)."""
    number = operator.index(count)
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def counted_of(part: SupportsIndex, whole: SupportsIndex, noun: str, plural: str | None = None) -> str:
    """``3 of 5 runs``, ``1 of 1 run``: the noun agrees with the whole."""
    return f"{operator.index(part):,} of {counted(whole, noun, plural)}"
