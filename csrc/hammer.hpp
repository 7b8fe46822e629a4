// The native hammer: `threads` std::threads churn one fresh pool at once, in
// rounds separated by barriers, and report throughput and drift measured here,
// in C++, with no Python in the loop.
#pragma once

#include <vector>

#include "churn_limits.hpp"
#include "slot.hpp"
#include "stop_flag.hpp"
#include "strategy.hpp"

namespace sgx {

// ops, batch and work share churn()'s limits (churn_limits.hpp).
inline constexpr long long kMaxRounds = 1LL << 20;

// How a validated config splits each worker's share: what another engine (the
// Python one) needs to run exactly the same traffic.
struct HammerPlan {
    long long iterations_per_round;
    long long iterations_per_stop_check;
};

struct HammerConfig {
    long long threads = 2;
    long long nodes = 2;
    long long pages_per_node = 4096;
    long long ops = 1'000'000;  // per thread, over all rounds, rounded up to whole batches
    long long batch = 1;        // pages allocated before they are freed again
    long long rounds = 1;       // quiescent drift readings, one after each round
    long long work = 0;         // busy-loop turns between two operations
    bool pin = false;           // worker i on the i-th allowed CPU (wrapping round)
    long long fail_worker = -1;  // for tests of error handling: this worker throws before starting

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
    // Each round runs this many alloc-then-free iterations in every thread.
    long long iterations_per_round() const noexcept;
    // Iterations between two looks at the StopFlag: a few milliseconds of work.
    long long iterations_per_stop_check() const noexcept;
    // validate(), then the two figures above.
    HammerPlan plan() const;
};

struct HammerStats {
    bool stopped = false;     // the StopFlag cut the run short; the figures cover less than asked
    double wall_seconds = 0;  // start barrier released to last thread joined
    long long total_ops = 0;
    long long alloc_failures = 0;
    long counter = 0;    // the cheap read after the last round
    long true_free = 0;  // sum of the list lengths after the last round
    std::vector<long long> per_thread_ops;
    std::vector<long long> drift_by_round;  // counter - true_free, read with every thread stopped
};

// Runs the hammer on a fresh pool; rethrows the first worker error after joining
// every thread. Throws InvariantError if the lists lost or duplicated a page.
// Workers poll `stop` every few milliseconds and leave early when it is raised.
HammerStats run_hammer(Strategy strategy, const HammerConfig& config, const StopFlag& stop);

}  // namespace sgx
