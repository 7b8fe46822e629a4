"""The one-sentence verdicts under the tables: what the runs reproduced, and what would be a bug."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pysgxalloc._core import Accuracy
from pysgxalloc.hammer_runs import HammerRuns
from pysgxalloc.reclaim_runs import ReclaimRuns


def verdict(summaries: Sequence[HammerRuns]) -> str:
    """One plain sentence: which strategies lost updates, in how many runs, and which lost none.

    A bounded strategy's cheap read may be off while its exact read is right: that is its design,
    reported apart; only an exact read that drifted is a bug.
    """
    drifted = [s for s in summaries if s.runs_with_drift]
    clean = [s.strategy.name for s in summaries if not s.runs_with_drift]
    parts = [
        f"{s.strategy.name}'s cheap read lagged in {s.runs_with_drift} of {s.runs} runs "
        f"(by up to {int(np.abs(s.drift).max()):,} pages; its exact read never)"
        if s.accuracy is Accuracy.bounded and not _exact_read_drifted(s)
        else f"{s.strategy.name} lost updates in {s.runs_with_drift} of {s.runs} runs "
        f"(net {int(np.abs(s.drift).sum()):,} in all, up to {int(np.abs(s.drift).max()):,} in one run)"
        for s in drifted
    ]
    if clean:
        parts.append(f"{_join(clean)} lost none")
    sentence = "; ".join(parts) + "."
    wrong = [s.strategy.name for s in drifted if s.exact]
    wrong += [s.strategy.name for s in summaries if s.accuracy is Accuracy.bounded and _exact_read_drifted(s)]
    if wrong:
        sentence += f" BUG: exact reads drifted: {', '.join(wrong)}."
    return sentence


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _exact_read_drifted(group: HammerRuns) -> bool:
    """The exact read drifted in some run (False where the runs did not record it)."""
    return group.exact_drift is not None and bool(group.exact_drift.any())


def reclaim_verdict(summaries: Sequence[ReclaimRuns]) -> str:
    """One plain sentence: which strategies hung, in how many runs, and which never did."""
    parts = [
        f"{s.strategy.name} hung in {s.hung} of {s.runs} runs (counter off by "
        f"{int(s.drift_at_hang.min()):+d} .. {int(s.drift_at_hang.max()):+d} at the hang)"
        for s in summaries
        if s.hung
    ]
    never = [s.strategy.name for s in summaries if not s.hung]
    if never:
        parts.append(f"{', '.join(never)} never hung")
    sentence = "; ".join(parts) + "."
    starved = [f"{s.strategy.name} {s.stalled}" for s in summaries if s.stalled]
    if starved:
        sentence += (
            " Stalled without a hang (starved of CPU, not stuck; not counted as hangs): "
            f"{', '.join(starved)}."
        )
    empty = [f"{s.strategy.name} {s.out_of_memory}" for s in summaries if s.out_of_memory]
    if empty:
        sentence += f" Out of memory (nothing left to reclaim, -ENOMEM): {', '.join(empty)}."
    # with an injected drift an exact strategy is meant to hang; without one it never may
    wrong = [
        s.strategy.name
        for s in summaries
        if s.exact and any(r.hung and not r.initial_drift for r in s.results)
    ]
    if wrong:
        sentence += f" BUG: exact strategies hung: {', '.join(wrong)}."
    return sentence
