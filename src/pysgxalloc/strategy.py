"""Counter strategies by name: every public function takes a `Strategy` or its name.

A `Strategy` is one registered strategy, and there is exactly one object per
strategy: ``Strategy.atomic``, ``parse_strategy("atomic")`` and a result's
``strategy`` are the same object. The built-ins are registered when the core
loads (`STRATEGIES`, in the order reports list them); `register_strategy` adds
one compiled into another extension module, after which its name works
everywhere a built-in's does. `strategies()` lists them all.
"""

from __future__ import annotations

import difflib

from pysgxalloc import _core
from pysgxalloc._core import Accuracy, Strategy

StrategyLike = Strategy | str

#: How tables name each accuracy in their "exact" column.
ACCURACY_LABEL = {Accuracy.exact: "yes", Accuracy.bounded: "bounded", Accuracy.drifts: "no"}

#: The built-in strategies, in the order reports list them.
STRATEGIES: tuple[Strategy, ...] = tuple(s for s in _core.strategies() if s.builtin)


def strategies() -> tuple[Strategy, ...]:
    """Every registered strategy: the built-ins in report order, then the others as they registered."""
    return tuple(_core.strategies())


def parse_strategy(value: StrategyLike) -> Strategy:
    """Return the `Strategy` a user named; ValueError names the registered ones, and the closest ones
    to a mistyped name (``did you mean 'atomic'?``); TypeError for any other type."""
    try:
        return _core.find_strategy(value)
    except ValueError as error:
        if not isinstance(value, str):
            raise
        raise ValueError(f"{error}{did_you_mean(value, [s.name for s in strategies()])}") from None


def did_you_mean(name: str, names: list[str]) -> str:
    """The sentence that suggests the `names` closest to a mistyped `name` (difflib's ratio of at
    least 0.6, up to three, closest first), or "" where none is close."""
    close = difflib.get_close_matches(name, names, n=3)
    return f". Did you mean {' or '.join(repr(found) for found in close)}?" if close else ""


def known_strategy(name: str) -> Strategy | None:
    """The strategy registered under `name`, or None (a name read from a file of another version, say)."""
    return next((s for s in _core.strategies() if s.name == name), None)


def register_strategy(entry: object) -> Strategy:
    """Register the strategy in `entry`, the PyCapsule a module built against pysgxalloc's headers fills.

    ValueError when it was built against other headers or another C++ ABI, or its name is malformed
    or taken; TypeError when `entry` is no such capsule. Returns its `Strategy`.
    """
    return _core.register_strategy(entry)


def is_exact(strategy: StrategyLike) -> bool:
    """True for strategies whose cheap read equals the true free pages whenever no thread is updating."""
    return accuracy(strategy) is Accuracy.exact


def accuracy(strategy: StrategyLike) -> Accuracy:
    """What the strategy's cheap read promises when no thread is updating.

    ``Accuracy.exact``: it is the true count. ``Accuracy.bounded`` (percpu_batch): it is within
    ``read_error_bound`` of the true count, and the exact read (``exact_count``) is the true count.
    ``Accuracy.drifts``: updates are lost for good and no read recovers them.
    """
    return parse_strategy(strategy).accuracy
