"""How every table writes an interval: "95% CI" only where it is one (a sentence: `intervals.describe`).

Below `RUNS_FOR_95` runs a median's order-statistic interval is the range of the runs and
covers the median less often (50% at 2 runs, 94% at 5); it is printed with that coverage,
or not at all where the coverage is 0 (one run). A share (Wilson) gets no interval below
`RUNS_FOR_95` runs. Each place that prints one says how many runs a 95% interval needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from pysgxalloc.counted import counted
from pysgxalloc.intervals import RUNS_FOR_95, Interval, median_ranks


def bracket(interval: Interval | None, fmt: str, suffix: str = "") -> str:
    """``[low, high]`` (and `suffix`), or "" where there is no interval or it covers 0%."""
    if interval is None or interval.coverage <= 0:
        return ""
    return f"[{format(interval.low, fmt)}, {format(interval.high, fmt)}]{suffix}"


def interval_header(run_counts: Iterable[int]) -> str:
    """The second header line of a column of medians: "[95% CI]" only when every row's is one."""
    return "[95% CI]" if all(n >= RUNS_FOR_95 for n in run_counts) else "[interval]"


def coverage_note(run_counts: Iterable[int]) -> str | None:
    """What the brackets of a table mean when some figure rests on fewer than `RUNS_FOR_95` runs;
    None when every one is a 95% interval."""
    few = sorted({n for n in run_counts if 0 < n < RUNS_FOR_95})
    if not few:
        return None
    covering = ", ".join(f"{median_ranks(n)[1]:.0%} on {counted(n, 'run')}" for n in few if n > 1)
    needed = counted(RUNS_FOR_95, "run")
    text = f"intervals: 95% (medians: order statistics; shares: Wilson) from {needed}; on fewer, "
    if covering:
        text += f"a median's interval is the range of its runs and covers the median with {covering}"
        text += " (none on 1 run)" if 1 in few else ""
    else:
        text += "a single run gives a median no interval"
    return text + f", and a share gets none: a 95% interval needs {needed}."
