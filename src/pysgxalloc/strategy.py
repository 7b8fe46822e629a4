"""Counter strategies by name: every public function takes a `Strategy` or its name."""

from __future__ import annotations

from pysgxalloc._checks import as_member
from pysgxalloc._core import Accuracy, Strategy, strategy_accuracy

StrategyLike = Strategy | str

#: How tables name each accuracy in their "exact" column.
ACCURACY_LABEL = {Accuracy.exact: "yes", Accuracy.bounded: "bounded", Accuracy.drifts: "no"}

#: Every strategy, in the order reports list them.
STRATEGIES: tuple[Strategy, ...] = tuple(Strategy)


def parse_strategy(value: StrategyLike) -> Strategy:
    """Return the `Strategy` a user named; ValueError names the valid choices."""
    return as_member(Strategy, "strategy", value)


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
