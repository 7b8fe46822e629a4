// What one scheduled run is made of and what it leaves: its steps, the thread
// choices that made them (the schedule), and how it ended. Plain values, read
// by the explorer, the replay and the bindings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "counters/pause.hpp"
#include "model/shared_objects.hpp"

namespace sgx::explore {

// Threads a scheduled run may have: a schedule's sets of threads are bit masks.
inline constexpr long long kMaxScheduledThreads = 8;
inline constexpr unsigned kNoThread = ~0U;

// A step as the chooser sees it before it happens: enough to tell whether two
// steps commute (different objects, or two loads). An object is named by its
// kind and index, which stay the same from one run to the next (its address
// need not: every run builds its pool anew); two objects that shared a name
// would only be judged dependent more often, never less.
struct StepKey {
    Access access = Access::load;
    const void* object = nullptr;  // this run's address, for the chooser's own use
    Shared shared = Shared::none;
    unsigned index = 0;
};

// The scheduler's own object: thread `index`'s fair yield (scheduler.hpp).
inline constexpr Shared kFairYield{255};

inline bool independent(const StepKey& a, const StepKey& b) noexcept {
    if (a.access == Access::retry || b.access == Access::retry) return false;
    return a.shared != b.shared || a.index != b.index || (a.access == Access::load && b.access == Access::load);
}

// A step's footprint: every access it made, its first (the one its decision
// granted) and every one taken in place after it, up to its next decision.
using Footprint = std::span<const StepKey>;

// Two steps commute when no object one touches is touched by the other, but
// for two loads. A retry is dependent on everything: it changes who may move
// next (the fair yield), not any one object.
inline bool independent(Footprint a, Footprint b) noexcept {
    for (const StepKey& x : a) {
        for (const StepKey& y : b) {
            if (!independent(x, y)) return false;
        }
    }
    return true;
}

// One step: the access a thread made at one of its pause points.
struct Step {
    unsigned thread = 0;
    Access access = Access::load;
    Shared shared = Shared::counter;
    unsigned index = 0;       // node, slot, cell or enclave page, as `shared` says
    bool has_value = false;   // a counter cell: `value` is set
    long value = 0;           // the cell just after the step: what a load saw, what a store wrote
    bool preemption = false;  // the thread before it could have gone on
    bool blocked = false;     // a switch because the thread before blocked on a held lock (no preemption)
};

enum class Outcome {
    correct,       // ended with the count right (within the bound for percpu_batch)
    counter_off,   // ended with the count wrong: an update was lost
    hang,          // reached the absorbing hang: lists empty, ksgxd asleep, no fault wakes it
    completed,     // a reclaim run that finished every fault
    deadlock,      // no thread could move and the run was not over
    broken_lists,  // the free lists lost or duplicated a page (a bug in the model)
    step_limit,    // ran past the steps one run may take
    pruned,        // cut short: every thread that could move was in the sleep set
};

// The names a trace prints.
constexpr const char* access_name(Access access) noexcept {
    switch (access) {
        case Access::load: return "load";
        case Access::store: return "store";
        case Access::rmw: return "rmw";
        case Access::lock: return "lock";
        case Access::unlock: return "unlock";
        case Access::wait: return "wait";
        case Access::sleep: return "sleep";
        case Access::wake: return "wake";
        case Access::retry: return "retry";
    }
    return "?";
}

// Each floor names its own objects; the kinds never overlap.
constexpr const char* shared_name(Shared shared) noexcept {
    if (shared == kFairYield) return "fair_yield";
    if (const char* name = counter_shared_name(shared)) return name;
    if (const char* name = model_shared_name(shared)) return name;
    return "?";
}

// One run under the scheduler and where it ended.
struct ScheduleRun {
    Outcome outcome = Outcome::correct;
    std::vector<unsigned> schedule;  // the thread granted at each decision, in order
    std::vector<Step> steps;
    long preemptions = 0;
    // A decision at which the preemption bound alone kept the running thread on
    // (another could have moved) and the chooser was not asked (Chooser::preemption_bound).
    bool bound_forced = false;
    long counter = 0;           // the cheap read at the end (or at the hang)
    long exact_count = 0;       // the strategy's exact read
    long true_free = 0;         // pages on the free lists
    long read_error_bound = 0;  // percpu_batch's bound on |counter - exact|
    long active_pages = 0;      // reclaim: resident enclave pages
    long faults_served = 0;     // reclaim
    bool fault_wakes_reclaimer = false;  // reclaim: should_reclaim(low) at the end
    // Every step's footprint (scheduler.hpp), flat: step i's is
    // touches[footprint_begin[i] .. footprint_begin[i + 1]) (the last one's runs to the end).
    std::vector<StepKey> touches;
    std::vector<std::size_t> footprint_begin;
    // A failure found by a search sharing its tree over OS threads
    // (parallel_sweep.hpp): its rank at each decision in the depth-first order
    // (Search::order), so the failure kept is the one a single search meets first.
    std::vector<std::uint8_t> order;

    Footprint footprint(std::size_t step) const noexcept {
        const std::size_t end = step + 1 < footprint_begin.size() ? footprint_begin[step + 1] : touches.size();
        return {touches.data() + footprint_begin[step], end - footprint_begin[step]};
    }

    bool failed() const noexcept {
        return outcome == Outcome::counter_off || outcome == Outcome::hang || outcome == Outcome::deadlock ||
               outcome == Outcome::broken_lists;
    }
};

}  // namespace sgx::explore
