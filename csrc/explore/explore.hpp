// The schedule explorer: every interleaving of a small run of the real pool and
// counter code, under the deterministic scheduler (scheduler.hpp), searched
// depth first (search.hpp) with CHESS's iterative preemption bounding: every
// schedule with 0 preemptions, then 1, ... up to the bound; or, unbounded,
// every schedule; the reduction (search.hpp) leaves out those that only reorder
// independent steps.
//
// Two scenarios:
//   - updates: `threads` threads, thread i on node i % nodes with slot i, each
//     making `ops` operations (alloc, free it, alloc, ...); a schedule fails
//     when the count ends wrong (off by more than the bound, for percpu_batch);
//   - reclaim: the reduced reclaim scenario (reclaim_run.hpp); a schedule fails
//     when it reaches the hang.
// Hard limits: max_schedules runs and time_limit_seconds of searching; a search
// stopped by either, or by the caller's StopFlag, says it is incomplete.
// Without a reduction, a search can run on `jobs` OS threads at once, sharing
// out its tree (parallel_sweep.hpp): the same schedules, counts and first failure.
#pragma once

#include <optional>
#include <vector>

#include "base/stop_flag.hpp"
#include "counters/counter_strategy.hpp"
#include "explore/schedule.hpp"
#include "explore/scheduler.hpp"
#include "explore/search.hpp"
#include "model/watermark.hpp"

namespace sgx::explore {

inline constexpr long long kMaxOps = 16;
inline constexpr long long kMaxNodes = 4;
inline constexpr long long kMaxPagesPerNode = 64;
inline constexpr long long kMaxEnclavePages = 512;
inline constexpr long long kMaxPreemptionBound = 32;
inline constexpr long long kMaxSchedules = 1LL << 40;
inline constexpr double kMaxTimeLimitSeconds = 24 * 3600;
inline constexpr double kMinTimeLimitSeconds = 0.001;
inline constexpr long long kMaxStepsPerRun = 1LL << 24;
// OS threads one search may share its tree over: each has its own fibers and model.
inline constexpr long long kMaxJobs = 256;
// PCT's depth: beyond a few ordering constraints the bound 1/(n k^(d-1)) says nothing useful.
inline constexpr long long kMaxPctDepth = 32;

enum class Mode {
    exhaustive,  // every schedule (within the preemption bound), depth first
    pct,         // random runs with PCT's priorities (pct.hpp), with a probability bound
};

enum class Scenario {
    updates,  // threads x ops counter updates
    reclaim,  // the reduced reclaim scenario: fault workers and ksgxd
};

struct ExploreConfig {
    Scenario scenario = Scenario::updates;
    Mode mode = Mode::exhaustive;
    long long threads = 2;         // updaters, or fault workers (ksgxd is one more thread)
    long long ops = 2;             // updates: operations per thread
    long long nodes = 2;
    long long pages_per_node = 2;
    long long enclave_pages = 0;   // reclaim: 0 means twice the EPC
    long long low = 2;             // reclaim: SGX_NR_LOW_PAGES, scaled down
    long long high = 4;            // reclaim: SGX_NR_HIGH_PAGES, scaled down
    long long scan = 1;            // reclaim: SGX_NR_TO_SCAN, scaled down
    Comparison comparison = Comparison::kernel_unsigned;
    std::optional<long long> counter_batch;
    long long stripes = 2;         // striped's cells: fixed, not the machine's CPUs, so counts reproduce
    Points points = Points::all;
    std::optional<long long> preemption_bound;  // none: unbounded
    bool sleep_sets = true;                     // false: no reduction, whatever `reduction` says
    Reduction reduction = Reduction::dpor;      // sleep: unbounded updates only; dpor: everywhere
    Engine engine = Engine::fibers;             // how the explored threads run (the same schedules either way)
    long long jobs = 1;                         // OS threads searching side by side (parallel_sweep.hpp); no reduction
    long long max_schedules = 100000;           // runs, re-runs included
    double time_limit_seconds = 60;
    long long max_steps = 100000;               // steps one run may take
    long long depth = 2;                        // pct: the bug depth d searched for
    long long runs = 1000;                      // pct: runs made
    long long seed = 0;                         // pct: the runs' random numbers
    long long steps = 0;                        // pct: k, steps a run takes; 0: the default schedule's
    bool keep_schedules = false;                // keep every schedule run to its end (for tests)

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
    long long total_threads() const noexcept { return scenario == Scenario::reclaim ? threads + 1 : threads; }
};

enum class StopReason {
    none,           // the search ran out of schedules
    max_schedules,  // it made max_schedules runs first
    time_limit,     // it ran for time_limit_seconds first
    interrupted,    // the caller's StopFlag (Ctrl-C)
};

struct ExploreStats {
    long long schedules = 0;    // distinct schedules run to their end
    long long failing = 0;      // of those, how many failed
    long long runs = 0;         // runs made, re-runs of lower bounds and pruned runs included
    long long pruned = 0;       // runs cut short by the sleep sets
    long long step_limited = 0; // runs stopped at max_steps
    bool complete = false;      // every schedule within the bound (none: every schedule) was run
    bool bound_reached = false; // some schedule needs more preemptions than bound_explored
    long long bound_explored = -1;  // every schedule with at most this many preemptions was run
    StopReason stopped = StopReason::none;
    std::vector<long long> schedules_by_preemptions;
    std::vector<long long> failing_by_preemptions;
    std::optional<ScheduleRun> first_failure;  // fewest preemptions, then fewest steps
    double elapsed_seconds = 0;
    long long pct_steps = 0;          // pct: the k its bound was computed with
    long long pct_runs_made = 0;      // pct: random runs made (the measuring run not included)
    long long longest_run = 0;        // pct: the most decisions a run made (beyond k: the bound is not sure)
    long long first_failing_run = 0;  // pct: the first run that failed, from 1; 0: none
    std::vector<std::vector<unsigned>> schedules_run;  // with keep_schedules: each counted schedule, in order
};

// The search and the replay for one strategy type are explore_with<Counter>() and
// replay_with<Counter>() (explore_with.hpp), defined in that header for any module to instantiate.

}  // namespace sgx::explore
