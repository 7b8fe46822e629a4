// The explorer for one counter type: explore_with<Counter>() searches the
// schedules of an update run or of the reduced reclaim scenario (hang runs),
// replay_with<Counter>() runs one schedule again. Header-defined, so a strategy
// registry can instantiate them once per strategy type, from another extension
// module too (registry/entry_for.hpp does, once per strategy family). Counter's pause policy must be Scheduled (scheduler.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "explore/explore.hpp"
#include "explore/parallel_sweep.hpp"
#include "explore/pct.hpp"
#include "explore/reclaim_run.hpp"
#include "explore/search.hpp"
#include "explore/search_limits.hpp"
#include "explore/update_run.hpp"

namespace sgx::explore {
namespace search_loop {

// The failure to keep of two: the fewest preemptions, then the fewest steps,
// then the one first in the depth-first order (a shared search's; a single
// search meets its runs in that order and keeps the first).
inline bool fewer(const ScheduleRun& run, const std::optional<ScheduleRun>& best) {
    if (!best) return true;
    if (run.preemptions != best->preemptions) return run.preemptions < best->preemptions;
    if (run.schedule.size() != best->schedule.size()) return run.schedule.size() < best->schedule.size();
    return run.order < best->order;
}

inline void count(ExploreStats& stats, ScheduleRun&& run, bool keep_schedule = false) {
    if (keep_schedule) stats.schedules_run.push_back(run.schedule);
    const auto at = static_cast<std::size_t>(run.preemptions);
    if (stats.schedules_by_preemptions.size() <= at) {
        stats.schedules_by_preemptions.resize(at + 1, 0);
        stats.failing_by_preemptions.resize(at + 1, 0);
    }
    ++stats.schedules;
    ++stats.schedules_by_preemptions[at];
    if (!run.failed()) return;
    ++stats.failing;
    ++stats.failing_by_preemptions[at];
    if (fewer(run, stats.first_failure)) stats.first_failure = std::move(run);
}

// One OS thread's part of a shared search, added to the whole (parallel_sweep.hpp).
inline void merge(ExploreStats& into, ExploreStats&& part) {
    into.schedules += part.schedules;
    into.failing += part.failing;
    into.runs += part.runs;
    into.pruned += part.pruned;
    into.step_limited += part.step_limited;
    if (into.stopped == StopReason::none) into.stopped = part.stopped;
    const std::size_t most = std::max(into.schedules_by_preemptions.size(), part.schedules_by_preemptions.size());
    into.schedules_by_preemptions.resize(most, 0);
    into.failing_by_preemptions.resize(most, 0);
    for (std::size_t at = 0; at < part.schedules_by_preemptions.size(); ++at) {
        into.schedules_by_preemptions[at] += part.schedules_by_preemptions[at];
        into.failing_by_preemptions[at] += part.failing_by_preemptions[at];
    }
    if (part.first_failure && fewer(*part.first_failure, into.first_failure)) {
        into.first_failure = std::move(part.first_failure);
    }
    for (auto& schedule : part.schedules_run) into.schedules_run.push_back(std::move(schedule));
}

// One search with one chooser: `bound` preemptions at most (LONG_MAX: none).
// Passes every run that ended to `ended`, and calls `between()` between two
// runs; false when a limit stopped it. `ordered`: a failure carries its place
// in the depth-first order (a shared search's, where that order decides).
template <class MakeRun, class Ended, class Between>
bool sweep(ExploreStats& stats, Search& chooser, Limits& limits, MakeRun& make_run, Ended&& ended, Between&& between,
           bool ordered = false) {
    for (bool more = true; more;) {
        stats.stopped = limits.before_run();
        if (stats.stopped != StopReason::none) return false;
        chooser.start_run();
        ScheduleRun run = make_run(chooser);
        ++stats.runs;
        if (chooser.diverged()) throw InvariantError("a replayed schedule took another path: the run is not deterministic");
        if (ordered && run.failed()) run.order = chooser.order();
        more = chooser.next(run);
        if (run.outcome == Outcome::pruned) {
            ++stats.pruned;
        } else if (run.outcome == Outcome::step_limit) {
            ++stats.step_limited;
        } else {
            ended(std::move(run));
        }
        Scheduler::recycle(run);  // what `ended` did not keep, the next run records into
        if (more) between();
    }
    return true;
}

template <class MakeRun, class Ended>
bool sweep(ExploreStats& stats, Search& chooser, Limits& limits, MakeRun& make_run, Ended&& ended) {
    return sweep(stats, chooser, limits, make_run, std::forward<Ended>(ended), [] {});
}

// The reduction a search uses: sleep sets only without a bound and in the
// updates scenario (reclaim runs retry in loops that the fair yield keeps
// apart, which plain sleep sets do not see); dpor anywhere (search.hpp).
inline Reduction reduction_of(const ExploreConfig& config) noexcept {
    if (!config.sleep_sets || config.reduction == Reduction::none) return Reduction::none;
    if (config.reduction == Reduction::dpor) return Reduction::dpor;
    return !config.preemption_bound && config.scenario == Scenario::updates ? Reduction::sleep : Reduction::none;
}

// A schedule's identity across the bounds of one search (64-bit FNV-1a: a
// collision among a search's at most 2^40 runs is below one in a million).
inline std::uint64_t schedule_hash(const std::vector<unsigned>& schedule) noexcept {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const unsigned thread : schedule) {
        hash ^= thread + 1;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// The search proper, over any run kind: `make_run(chooser)` runs one schedule.
template <class MakeRun>
ExploreStats search(const ExploreConfig& config, const StopFlag& stop, MakeRun&& make_run) {
    ExploreStats stats;
    Limits limits(config, stop);
    const bool unbounded = !config.preemption_bound;
    const long long top = unbounded ? 0 : *config.preemption_bound;
    const Reduction reduction = reduction_of(config);
    const bool reduced = reduction != Reduction::none;
    // dpor under bound k may run a schedule with fewer than k preemptions that
    // bound k - 1 did not: each distinct schedule is counted once, where first run.
    std::unordered_set<std::uint64_t> counted;

    for (long long bound = 0; bound <= top; ++bound) {
        const long chooser_bound = unbounded ? LONG_MAX : static_cast<long>(bound);
        const auto ended = [&](ExploreStats& into, ScheduleRun&& run) {
            if (unbounded) {
                count(into, std::move(run), config.keep_schedules);
            } else if (reduction == Reduction::dpor) {
                if (counted.insert(schedule_hash(run.schedule)).second) count(into, std::move(run), config.keep_schedules);
            } else if (run.preemptions == bound) {
                count(into, std::move(run), config.keep_schedules);  // each schedule once, at its own preemption count
            }
        };
        BoundSwept swept;
        if (config.jobs > 1) {
            // validate(): no reduction here, so nothing but `ended`'s own stats is shared.
            swept = parallel_sweep(
                stats, chooser_bound, static_cast<std::size_t>(config.jobs), limits,
                [&](ExploreStats& part, Search& chooser, auto&& share) {
                    return sweep(part, chooser, limits, make_run,
                                 [&](ScheduleRun&& run) { ended(part, std::move(run)); }, share, true);
                },
                merge);
        } else {
            Search chooser(chooser_bound, reduction);
            swept.finished = sweep(stats, chooser, limits, make_run, [&](ScheduleRun&& run) { ended(stats, std::move(run)); });
            swept.cut = chooser.cut();
        }
        if (!swept.finished) break;
        stats.bound_explored = unbounded ? static_cast<long long>(stats.schedules_by_preemptions.size()) - 1 : bound;
        stats.bound_reached = swept.cut;
        if (!stats.bound_reached) break;  // no schedule needs more: every schedule has been run
    }
    stats.complete = stats.stopped == StopReason::none && stats.step_limited == 0;

    // A reduction keeps one schedule of each class, not always the one with the
    // fewest preemptions: look for a failure with fewer among the cheap low
    // bounds (dpor under each bound, else every schedule). The counts above stay the search's.
    if (unbounded && reduced && stats.first_failure) {
        for (long bound = 0; bound < stats.first_failure->preemptions; ++bound) {
            Search chooser(bound, reduction == Reduction::dpor ? Reduction::dpor : Reduction::none);
            std::optional<ScheduleRun> found;
            const bool finished = sweep(stats, chooser, limits, make_run, [&](ScheduleRun&& run) {
                if (run.failed() && run.preemptions == bound && fewer(run, found)) found = std::move(run);
            });
            if (found) {
                stats.first_failure = std::move(found);
                break;
            }
            if (!finished) break;
        }
        if (stats.complete && stats.stopped != StopReason::interrupted) stats.stopped = StopReason::none;
    }
    stats.elapsed_seconds = std::chrono::duration<double>(Limits::Clock::now() - limits.start()).count();
    return stats;
}

// A search records only what its chooser needs (Chooser::recording): the run
// it keeps, the first failure, is run again, the same schedule, for its trace.
template <class MakeRun>
void record_trace(std::optional<ScheduleRun>& run, MakeRun& make_run) {
    if (!run || run->steps.size() == run->schedule.size()) return;  // recorded whole already
    Replay again(run->schedule);
    ScheduleRun replayed = make_run(again);
    if (replayed.schedule != run->schedule || replayed.outcome != run->outcome) {
        throw InvariantError("a replayed schedule took another path: the run is not deterministic");
    }
    run = std::move(replayed);
}

inline CounterOptions options_of(const ExploreConfig& config) {
    // The plain counts in their load/store form: the in-place form is one
    // instruction, one indivisible step at the scheduler's granularity, and
    // loses updates only between cores inside that instruction, which no
    // interleaving of steps can show (README, "Every interleaving").
    CounterOptions options =
        CounterOptions::checked(0, config.counter_batch, false).with_plain_update(PlainUpdate::load_store, 0);
    options.stripes = static_cast<long>(config.stripes);
    return options;
}

template <CounterStrategy Counter>
ScheduleRun run_once(const ExploreConfig& config, const CounterOptions& options, Chooser& chooser) {
    if (config.scenario == Scenario::reclaim) return ReclaimRun<Counter>(config, options, chooser).run();
    return run_updates<Counter>(config, options, chooser);
}

inline ExploreConfig with_defaults(ExploreConfig config) {
    if (config.scenario == Scenario::reclaim && config.enclave_pages == 0) {
        config.enclave_pages = 2 * config.nodes * config.pages_per_node;  // twice the EPC
    }
    return config;
}

}  // namespace search_loop

template <CounterStrategy Counter>
ExploreStats explore_with(const ExploreConfig& raw, const StopFlag& stop) {
    static_assert(std::is_same_v<typename Counter::pause_policy, Scheduled>,
                  "the explorer runs the counter type whose pause policy is Scheduled");
    raw.validate();
    const ExploreConfig config = search_loop::with_defaults(raw);
    const CounterOptions options = search_loop::options_of(config);
    const auto run_one = [&](Chooser& chooser) { return search_loop::run_once<Counter>(config, options, chooser); };
    ExploreStats stats =
        config.mode == Mode::pct
            ? pct_search(config, stop, run_one,
                         [](ExploreStats& stats, ScheduleRun&& run) { search_loop::count(stats, std::move(run)); })
            : search_loop::search(config, stop, run_one);
    search_loop::record_trace(stats.first_failure, run_one);
    return stats;
}

// One run of `schedule` (then the default choices once it runs out). Throws
// std::invalid_argument when the schedule picks a thread that cannot move.
template <CounterStrategy Counter>
ScheduleRun replay_with(const ExploreConfig& raw, const std::vector<unsigned>& schedule) {
    static_assert(std::is_same_v<typename Counter::pause_policy, Scheduled>,
                  "the explorer runs the counter type whose pause policy is Scheduled");
    raw.validate();
    const ExploreConfig config = search_loop::with_defaults(raw);
    const CounterOptions options = search_loop::options_of(config);
    Replay chooser(schedule);
    ScheduleRun run = search_loop::run_once<Counter>(config, options, chooser);
    if (!chooser.error().empty()) throw std::invalid_argument(chooser.error());
    return run;
}

}  // namespace sgx::explore
