// The native hammer: `threads` std::threads churn one fresh pool at once, in
// rounds separated by barriers, and report throughput and drift measured here,
// in C++, with no Python in the loop. Its settings and stats; the team itself,
// one instance per strategy type, is hammer_team.hpp.
#pragma once

#include <optional>
#include <vector>

#include "base/slot.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "harness/churn_limits.hpp"
#include "model/node_search.hpp"

namespace sgx {

// ops, batch and work share churn()'s limits (churn_limits.hpp).
inline constexpr long long kMaxRounds = 1LL << 20;
// Pages each worker may hold through a run: the same 256 KiB bound as batch.
inline constexpr long long kMaxHold = kMaxBatch;

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
    std::vector<long long> node_pages{};  // each node's pages (0: CPU-only); when given, `nodes` is its length
                                          // and pages_per_node is unused
    NodeSearch node_search = NodeSearch::fixed_2024;
    long long ops = 1'000'000;  // per thread, over all rounds, rounded up to whole batches
    long long batch = 1;        // pages allocated before they are freed again
    long long rounds = 1;       // quiescent drift readings, one after each round
    long long work = 0;         // busy-loop turns between two operations
    bool pin = false;           // worker i on the i-th allowed CPU (wrapping round)
    long long fail_worker = -1;  // for tests of error handling: this worker throws before starting
    // Pages each worker allocates before the clock starts and frees after the
    // last round: the rounds' quiescent readings then happen with pages out,
    // where percpu_batch's unfolded deltas show. Neither counts as an operation;
    // the frees fall inside the wall time (`hold` against `ops` per worker).
    long long hold = 0;
    std::optional<long long> counter_batch{};  // percpu_batch's batch; default_counter_batch() when empty
    bool packed = false;                     // the padding ablation: cells share cache lines
    MemoryLayout memory_layout = MemoryLayout::padded;  // where the pool's hot objects sit (model/pool_layout.hpp)
    // Each iteration in two phases with a barrier between them: every worker
    // allocates its batch, all meet and the drift is read (the decrements lost,
    // since only decrements ran), then every worker frees, all meet and it is
    // read again (the increments lost). Lost updates by direction, with no
    // cancellation; costs two barriers an iteration, so use batches of hundreds.
    bool phased = false;

    // The counter's options; throws std::invalid_argument for a bad batch.
    CounterOptions counter_options() const;

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
    // Each round runs this many alloc-then-free iterations in every thread.
    long long iterations_per_round() const noexcept {
        return churn_iterations(ops, batch * rounds);  // one round's share of each worker's iterations
    }
    // Iterations between two looks at the StopFlag: a few milliseconds of the whole team's work.
    long long iterations_per_stop_check() const noexcept {
        return churn_iterations_per_stop_check(batch, work, threads);
    }
    // validate(), then the two figures above.
    HammerPlan plan() const;
};

struct HammerStats {
    double wall_seconds = 0;  // start barrier released to last thread joined
    long long total_ops = 0;
    long long alloc_failures = 0;
    long counter = 0;           // the cheap read after the last round
    long exact_count = 0;       // the strategy's exact read after the last round
    long read_error_bound = 0;  // the most |counter - exact_count| could be then
    long true_free = 0;         // sum of the list lengths after the last round
    long counter_batch = 0;     // the batch percpu_batch ran with (the default when none was given)
    std::vector<long long> per_thread_ops;
    std::vector<long long> drift_by_round;        // counter - true_free, read with every thread stopped
    std::vector<long long> exact_drift_by_round;  // exact_count - true_free, read at the same moments
    // Phased runs only (zeros otherwise): per round, the updates each direction lost.
    std::vector<long long> lost_decrements;  // counter left too high by the allocation phases
    std::vector<long long> lost_increments;  // counter left too low by the free phases
    // Each worker's CPU time (CLOCK_THREAD_CPUTIME_ID) from the start line to its end.
    std::vector<double> thread_cpu_seconds;
};

}  // namespace sgx
