// ExploreConfig::validate(): apart from the dispatch by strategy (explore.cpp),
// so code that instantiates explore_with.hpp for its own counter type links it
// without the built-in strategies.
#include <climits>
#include <stdexcept>

#include "base/errors.hpp"
#include "counters/counter_options.hpp"
#include "counters/striped.hpp"
#include "explore/explore.hpp"

namespace sgx::explore {

void ExploreConfig::validate() const {
    const long long most_threads = scenario == Scenario::reclaim ? kMaxScheduledThreads - 1 : kMaxScheduledThreads;
    // The hang search's threads are its fault workers (ksgxd is one more): named as the caller named them.
    check_range(scenario == Scenario::reclaim ? "workers" : "threads", threads, 1, most_threads);
    check_range("ops", ops, 1, kMaxOps);
    check_range("nodes", nodes, 1, kMaxNodes);
    check_range("pages_per_node", pages_per_node, 1, kMaxPagesPerNode);
    if (scenario == Scenario::reclaim) {
        const long long epc = nodes * pages_per_node;
        if (enclave_pages != 0) check_range("enclave_pages", enclave_pages, 1, kMaxEnclavePages);
        check_range("low", low, 1, epc);
        check_range("high", high, low, epc);
        check_range("scan", scan, 1, epc);
    }
    (void)CounterOptions::checked(0, counter_batch, false);
    check_stripes(stripes);
    if (preemption_bound) check_range("preemption_bound", *preemption_bound, 0, kMaxPreemptionBound);
    check_range("max_schedules", max_schedules, 1, kMaxSchedules);
    check_seconds("time_limit", time_limit_seconds, kMinTimeLimitSeconds, kMaxTimeLimitSeconds);
    check_range("max_steps", max_steps, 1, kMaxStepsPerRun);
    check_range("jobs", jobs, 1, kMaxJobs);
    // A reduction's backtrack and sleep sets span the whole tree, and PCT's runs are one random sequence.
    if (jobs > 1 && mode != Mode::exhaustive) throw std::invalid_argument("jobs > 1 is for mode='exhaustive' only");
    if (jobs > 1 && sleep_sets && reduction != Reduction::none) {
        throw std::invalid_argument("jobs > 1 shares out a search without a reduction: give reduction='none' as well");
    }
    // PCT's settings are checked in either mode: a bad one is a mistake even where unused.
    check_range("depth", depth, 1, kMaxPctDepth);
    check_range("runs", runs, 1, kMaxSchedules);
    check_range("seed", seed, 0, LLONG_MAX);
    if (steps != 0) check_range("steps", steps, 1, kMaxStepsPerRun);
}

}  // namespace sgx::explore
