"""The one-sentence verdicts under the tables: what the runs reproduced, and what would be a bug."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pysgxalloc._core import Accuracy, NodeSearch, Strategy
from pysgxalloc.cli.tables import placement_label
from pysgxalloc.counted import counted, counted_of
from pysgxalloc.hammer_runs import HammerRuns
from pysgxalloc.intervals import RUNS_FOR_95_RATIO, describe, median_ratio, ratio_interval
from pysgxalloc.reclaim import ReclaimResult
from pysgxalloc.reclaim_runs import ReclaimRuns
from pysgxalloc.soft_lockup import LockupRuns
from pysgxalloc.strategy import is_exact, known_strategy


def verdict(summaries: Sequence[HammerRuns]) -> str:
    """One plain sentence: which strategies lost updates, in how many runs, and which lost none.

    A bounded strategy's cheap read may be off while its exact read is right: that is its design,
    reported apart; only an exact read that drifted is a bug.
    """
    drifted = [s for s in summaries if s.runs_with_drift]
    clean = [s.strategy.name for s in summaries if not s.runs_with_drift]
    parts = [
        f"{s.strategy.name}'s cheap read lagged in {counted_of(s.runs_with_drift, s.runs, 'run')} "
        f"(by up to {counted(int(np.abs(s.drift).max()), 'page')}; its exact read never)"
        if s.accuracy is Accuracy.bounded and not _exact_read_drifted(s)
        else f"{s.strategy.name} lost updates in {counted_of(s.runs_with_drift, s.runs, 'run')} "
        f"(median |drift| {s.abs_drift_median:,.0f}, up to {s.abs_drift_max:,} in one run)"
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


def machine_verdict(groups: Sequence[HammerRuns]) -> str:
    """The measured verdict for one machine, in two labelled lines: the throughput ranking of the
    exact strategies (update throughput alone: not a recommendation, which weighs read cost too,
    recommend.py) and the updates plain_node_lock (the bug) lost per million, with its conditions.

    Compared at one thread count: the most threads that do not outnumber the CPUs (native engine
    where there is one), so that the threads really race.
    """
    chosen = _at_one_setting(groups)
    if not chosen:
        return "verdict: no runs to judge."
    lines = [throughput_ranking(chosen)]
    if lost := _lost_updates(groups, {g.setting.strategy: g for g in chosen}):
        lines.append(lost)
    return "\n".join(lines)


def throughput_ranking(chosen: Sequence[HammerRuns]) -> str:
    """The fastest exact strategy at one setting against the runner-up (and atomic, the upstream fix),
    each ratio with its interval; or, where the runs cannot tell them apart, that it cannot rank, why,
    and what to run instead: threads that outnumber the CPUs, fewer than half of the compared runs with
    every thread running at once, a ratio interval that includes 1, or one too few runs to have one."""
    setting, cpus = chosen[0].setting, chosen[0].cpus
    label = (
        f"throughput ranking at {counted(setting.threads, 'thread')} ({setting.engine} engine; "
        "update throughput alone, not a recommendation)"
    )
    exact = sorted(
        (
            g
            for g in chosen
            if known_strategy(g.setting.strategy) is not None and g.accuracy is Accuracy.exact
        ),
        key=lambda g: g.mops_median,
        reverse=True,
    )
    if len(exact) < 2:
        alone = f"only {exact[0].setting.strategy} of the exact strategies" if exact else "no exact strategy"
        return f"{label}: {alone}, nothing to rank."
    fastest, runner_up = exact[0], exact[1]
    reasons, instead = _why_not_ranked(fastest, runner_up, cpus)
    if reasons:
        return (
            f"{label}: cannot rank {fastest.setting.strategy} against {runner_up.setting.strategy} on this "
            f"run: {'; '.join(reasons)}. Run instead: {', '.join(instead)}."
        )
    line = f"{label}: fastest exact strategy {fastest.setting.strategy}, {fastest.mops_median:.1f} Mops/s"
    line += f" = {_against(fastest, runner_up)}"
    atomic = next((g for g in exact if g.setting.strategy == Strategy.atomic.name), None)
    if atomic is not None and atomic not in (fastest, runner_up):
        line += f", {_against(fastest, atomic)}"
    return line + "."


def _against(group: HammerRuns, other: HammerRuns) -> str:
    ratio = median_ratio(group.ops_per_sec, other.ops_per_sec)
    interval = ratio_interval(group.ops_per_sec, other.ops_per_sec)
    return f"{ratio:.2f}x {other.setting.strategy}'s {describe(interval, '.2f', RUNS_FOR_95_RATIO)}"


def _why_not_ranked(fastest: HammerRuns, runner_up: HammerRuns, cpus: int) -> tuple[list[str], list[str]]:
    """Why these runs cannot tell `fastest` from `runner_up`, and what to run instead (empty if they can)."""
    reasons: list[str] = []
    instead: list[str] = []
    threads = fastest.setting.threads
    if threads > cpus:
        reasons.append(
            f"{counted(threads, 'thread')} outnumber the {counted(cpus, 'usable CPU')}, so spinning "
            "waiters time the scheduler"
        )
        instead.append(f"at most {counted(cpus, 'thread')} (--threads {cpus})")
    compared = (fastest, runner_up)
    if threads > 1 and all(g.concurrent_runs is not None for g in compared):
        at_once = sum(g.concurrent_runs or 0 for g in compared)
        runs = sum(g.runs for g in compared)
        if 2 * at_once < runs:
            reasons.append(
                f"only {at_once:,} of their {counted(runs, 'run')} had every thread running at once"
            )
            pinned = all(g.pinned for g in compared)
            instead.append("a quieter machine" if pinned else "pinned threads (--pin) on a quieter machine")
    interval = ratio_interval(fastest.ops_per_sec, runner_up.ops_per_sec)
    fewest = min(fastest.runs, runner_up.runs)
    if interval.coverage <= 0:
        runs_of_each = f"{counted(fewest, 'run')} of each {'gives' if fewest == 1 else 'give'}"
        reasons.append(f"{runs_of_each} the ratio no interval")
    elif 1.0 in interval:
        reasons.append(f"the ratio's interval {describe(interval, '.2f', RUNS_FOR_95_RATIO)} includes 1")
    if interval.coverage <= 0 or 1.0 in interval:
        more = max(RUNS_FOR_95_RATIO, 2 * fewest)
        instead.append(f"{more} or more runs of each (--repeats {more})")
    return reasons, instead


def _lost_updates(groups: Sequence[HammerRuns], by_name: dict[str, HammerRuns]) -> str | None:
    """plain_node_lock's updates lost per million in phased runs, with the conditions the rate depends
    on; or, without phased runs, the share of runs that drifted."""
    plain = [g for g in groups if g.setting.strategy == Strategy.plain_node_lock.name]
    phased = [g for g in plain if g.phased]
    if phased:
        lost = max(phased, key=lambda g: (g.setting.threads <= g.cpus, g.setting.threads))
        median, interval = lost.lost_per_million_median, lost.lost_per_million_interval
        if median is None:
            return None
        return (
            f"lost updates: plain_node_lock lost {median:,.0f} per million {describe(interval, ',.0f')} "
            f"in {counted(lost.runs, 'phased run')} at {counted(lost.setting.threads, 'thread')} "
            f"({conditions(lost)}), some in {counted_of(lost.runs_that_lost, lost.runs, 'run')}."
        )
    bug = by_name.get(Strategy.plain_node_lock.name)
    if bug is None:
        return None
    share = bug.drifted_interval  # Wilson: only from as many runs as a 95% median interval needs
    shown = "" if share is None else f" [95% CI {100 * share.low:.0f}-{100 * share.high:.0f}%]"
    return (
        f"lost updates: plain_node_lock drifted in {counted_of(bug.runs_with_drift, bug.runs, 'run')}{shown} "
        "(phased runs count the updates lost)."
    )


def conditions(group: HammerRuns) -> str:
    """What a lost-updates rate depends on, as the verdict states it beside the figure."""
    pinned = {True: "pinned", False: "unpinned", None: "pinning not recorded"}[group.pinned]
    work = "no work" if group.setting.work == 0 else f"{group.setting.work:,} turns of work"
    return f"{pinned}, {work} between updates"


def _at_one_setting(groups: Sequence[HammerRuns]) -> list[HammerRuns]:
    """Groups at the most threads that fit the CPUs (else the fewest), native engine first; unphased
    ones where there are any (phased runs' throughput includes two barriers per batch)."""
    plain = [g for g in groups if not g.phased] or list(groups)
    if not plain:
        return []
    engine = "native" if any(g.setting.engine == "native" for g in plain) else plain[0].setting.engine
    fitting = [g for g in plain if g.setting.engine == engine]
    counts = {g.setting.threads for g in fitting}
    within = [t for t in counts if t <= fitting[0].cpus]
    threads = max(within) if within else min(counts)
    return [g for g in fitting if g.setting.threads == threads]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _exact_read_drifted(group: HammerRuns) -> bool:
    """The exact read drifted in some run (False where the runs did not record it)."""
    return group.exact_drift is not None and bool(group.exact_drift.any())


def reclaim_verdict(summaries: Sequence[ReclaimRuns]) -> str:
    """One plain sentence: which strategies hung, in how many runs, and which never did."""
    parts = [
        f"{s.strategy.name} hung in {counted_of(s.hung, s.runs, 'run')} (counter off by "
        f"{int(s.drift_at_hang.min()):+,d} .. {int(s.drift_at_hang.max()):+,d} at the hang)"
        for s in summaries
        if s.hung
    ]
    never = [s.strategy.name for s in summaries if not s.hung]
    if never:
        parts.append(f"{', '.join(never)} never hung")
    sentence = "; ".join(parts) + "."
    starved = [f"{s.strategy.name} {s.stalled:,}" for s in summaries if s.stalled]
    if starved:
        sentence += (
            " Stalled without a hang (starved of CPU, not stuck; not counted as hangs): "
            f"{', '.join(starved)}."
        )
    empty = [f"{s.strategy.name} {s.out_of_memory:,}" for s in summaries if s.out_of_memory]
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


def lockup_verdict(groups: Sequence[LockupRuns]) -> str:
    """What each search did with a fault worker on the CPU-only node, and whether any page was lost.

    A soft lockup with the 2024 search, or a lost page, would be a bug in the model.
    """
    parts = []
    for g in groups:
        where = f" (node {', '.join(str(node) for node in g.lockup_nodes)})" if g.lockup_nodes else ""
        parts.append(
            f"{g.node_search.name}, {placement_label(g.threads)}: "
            f"{counted_of(g.soft_lockups, g.runs, 'run')} locked up{where}, {g.completed:,} completed"
        )
    sentence = "; ".join(parts) + "."
    if any(g.node_search is NodeSearch.fixed_2024 and g.soft_lockups for g in groups):
        sentence += " BUG: the 2024 search locked up."
    if all(g.pages_conserved for g in groups):
        sentence += " Every page was accounted for in every run."
    else:
        sentence += " BUG: a run lost or duplicated a page."
    return sentence


def soft_lockup_note(results: Sequence[ReclaimResult]) -> str:
    """The runs that ended in a soft lockup (the node search's bug, not the counter's), which the
    hang table does not count."""
    lockups = [r for r in results if r.soft_lockup]
    nodes = sorted({r.soft_lockup_node for r in lockups if r.soft_lockup_node is not None})
    return (
        f"{counted_of(len(lockups), len(results), 'run')} ended in a soft lockup, not counted as hung "
        "above: a fault "
        f"worker on CPU-only node {', '.join(str(node) for node in nodes)} found every list empty with the "
        "v5.13 node search (see 'pysgxalloc lockup')."
    )


def drift_walk_note(results: Sequence[ReclaimResult]) -> str:
    """One sentence per strategy on how its drift walked (runs with a walk only): in how many runs
    it left zero, when first (median), how many steps and how far (medians, then the largest)."""
    sentences = []
    for strategy in dict.fromkeys(r.strategy for r in results):
        walks = [r.drift_walk for r in results if r.strategy is strategy and r.drift_walk is not None]
        if not walks:
            continue
        left = [w for w in walks if w.first_nonzero_seconds is not None]
        if not left:
            every = "its one run" if len(walks) == 1 else f"all {counted(len(walks), 'run')}"
            samples = counted(int(np.median([w.samples for w in walks])), "sample")
            sentences.append(f"{strategy.name}: the walk stayed at 0 in {every} ({samples} per run, median)")
            continue
        in_flight = " (exact: updates in flight at a sample, none lost)" if is_exact(strategy) else ""
        first = float(np.median([w.first_nonzero_seconds for w in left]))
        steps = int(np.median([w.changes for w in left]))
        farthest = [w.max_abs_drift for w in left]
        sentences.append(
            f"{strategy.name}: the walk left 0 in {counted_of(len(left), len(walks), 'run')}, first after "
            f"{first:.3f} s, then stepped {counted(steps, 'time')} and reached |drift| "
            f"{int(np.median(farthest)):,} "
            f"(medians; up to {max(farthest):,}){in_flight}"
        )
    return (
        "drift walk (count - free pages, sampled under every node lock; a strategy that updates after "
        "the lock is released may show one update in flight per thread): " + "; ".join(sentences) + "."
    )
