"""Counter strategies by name: every public function takes a `Strategy` or its name."""

from __future__ import annotations

from pysgxalloc._core import Accuracy, Strategy, strategy_accuracy, strategy_is_exact

StrategyLike = Strategy | str

#: Every strategy, in the order reports list them.
STRATEGIES: tuple[Strategy, ...] = tuple(Strategy)


def parse_strategy(value: StrategyLike) -> Strategy:
    """Return the `Strategy` a user named; ValueError names the valid choices."""
    if isinstance(value, Strategy):
        return value
    if isinstance(value, str):
        try:
            return Strategy[value]
        except KeyError:
            choices = ", ".join(s.name for s in STRATEGIES)
            raise ValueError(f"unknown strategy {value!r}; choose one of: {choices}") from None
    raise TypeError(f"strategy must be a Strategy or its name (str), got {type(value).__name__}")


def is_exact(strategy: StrategyLike) -> bool:
    """True for strategies whose cheap read equals the true free pages whenever no thread is updating."""
    return strategy_is_exact(parse_strategy(strategy))


def accuracy(strategy: StrategyLike) -> Accuracy:
    """What the strategy's cheap read promises when no thread is updating.

    ``Accuracy.exact``: it is the true count. ``Accuracy.bounded`` (percpu_batch): it is within
    ``read_error_bound`` of the true count, and the exact read (``exact_count``) is the true count.
    ``Accuracy.drifts``: updates are lost for good and no read recovers them.
    """
    return strategy_accuracy(parse_strategy(strategy))
