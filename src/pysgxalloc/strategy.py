"""Counter strategies by name: every public function takes a `Strategy` or its name."""

from __future__ import annotations

import difflib

from pysgxalloc._checks import as_member
from pysgxalloc._core import Accuracy, Strategy, strategy_accuracy

StrategyLike = Strategy | str

#: How tables name each accuracy in their "exact" column.
ACCURACY_LABEL = {Accuracy.exact: "yes", Accuracy.bounded: "bounded", Accuracy.drifts: "no"}

#: Every strategy, in the order reports list them.
STRATEGIES: tuple[Strategy, ...] = tuple(Strategy)


def parse_strategy(value: StrategyLike) -> Strategy:
    """Return the `Strategy` a user named; ValueError names the valid choices, and the closest
    ones to a mistyped name (``did you mean 'atomic'?``)."""
    try:
        return as_member(Strategy, "strategy", value)
    except ValueError as error:
        raise ValueError(f"{error}{did_you_mean(str(value), [s.name for s in STRATEGIES])}") from None


def did_you_mean(name: str, names: list[str]) -> str:
    """The sentence that suggests the `names` closest to a mistyped `name` (difflib's ratio of at
    least 0.6, up to three, closest first), or "" where none is close."""
    close = difflib.get_close_matches(name, names, n=3)
    return f". Did you mean {' or '.join(repr(found) for found in close)}?" if close else ""


def is_exact(strategy: StrategyLike) -> bool:
    """True for strategies whose cheap read equals the true free pages whenever no thread is updating."""
    return accuracy(strategy) is Accuracy.exact


def accuracy(strategy: StrategyLike) -> Accuracy:
    """What the strategy's cheap read promises when no thread is updating.

    ``Accuracy.exact``: it is the true count. ``Accuracy.bounded`` (percpu_batch): it is within
    ``read_error_bound`` of the true count, and the exact read (``exact_count``) is the true count.
    ``Accuracy.drifts``: updates are lost for good and no read recovers them.
    """
    return strategy_accuracy(parse_strategy(strategy))
