// The native hammer's thread team: spawn, start barrier, rounds, join, report.
//
// One std::barrier orders everything. Its completion step runs while every
// worker is blocked in it, so that is where the clock starts (phase 0) and where
// each round's drift is read (the last phase of every round; a phased round has
// two per iteration, see PhaseEnd): quiescent by construction, with
// no extra handshake. A worker that fails drops out of the barrier so the others
// never wait for it; the error is rethrown after every thread has joined.
#include "harness/hammer.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <numeric>
#include <span>
#include <string>
#include <thread>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/team.hpp"
#include "base/thread_clock.hpp"
#include "harness/churn.hpp"
#include "model/epc_pool.hpp"

namespace sgx {
namespace {

using Clock = std::chrono::steady_clock;

// The barrier's completion step; runs with every remaining worker blocked.
// Phase 0 starts the clock; after it each round has `phases_per_round` phases
// (one, or two per iteration when phased), and the last one of a round reads
// the round's drift. In a phased run the exact drift's change over an
// allocation phase is the decrements lost in it: with only decrements running,
// every racy write stores an earlier value minus one, so the count can only end
// too high; a free phase's change is likewise the increments lost.
template <CounterStrategy Counter>
struct PhaseEnd {
    const EpcPool<Counter>* pool;
    Clock::time_point* start;
    HammerStats* stats;
    std::size_t phases_per_round;
    bool phased;
    std::size_t phase = 0;
    long previous_exact_drift = 0;  // at the end of the phase before this one

    void operator()() noexcept {
        const long exact = pool->exact_drift();
        if (phase == 0) {
            *start = Clock::now();
        } else if (const std::size_t step = phase - 1, round = step / phases_per_round;
                   round < stats->drift_by_round.size()) {
            if (phased && step % 2 == 0) {
                stats->lost_decrements[round] += exact - previous_exact_drift;
            } else if (phased) {
                stats->lost_increments[round] += previous_exact_drift - exact;
            }
            if (step % phases_per_round == phases_per_round - 1) {
                stats->drift_by_round[round] = pool->drift();
                stats->exact_drift_by_round[round] = exact;
            }
        }
        previous_exact_drift = exact;
        ++phase;
    }
};

template <CounterStrategy Counter>
HammerStats hammer_with(const HammerConfig& config, const StopFlag& stop) {
    const CounterOptions options = config.counter_options();
    EpcPool<Counter> pool(PoolShape::checked(config.nodes, config.pages_per_node, config.node_pages), options,
                          config.node_search);
    const auto threads = static_cast<std::size_t>(config.threads);
    const long long iterations = config.iterations_per_round();
    const long long per_check = config.iterations_per_stop_check();
    const std::vector<int> cpus = config.pin ? allowed_cpus() : std::vector<int>{};

    HammerStats stats;
    stats.per_thread_ops.assign(threads, 0);
    stats.drift_by_round.assign(static_cast<std::size_t>(config.rounds), 0);
    stats.exact_drift_by_round.assign(static_cast<std::size_t>(config.rounds), 0);
    stats.lost_decrements.assign(static_cast<std::size_t>(config.rounds), 0);
    stats.lost_increments.assign(static_cast<std::size_t>(config.rounds), 0);
    stats.thread_cpu_seconds.assign(threads, 0.0);
    std::vector<long long> failures(threads, 0);
    std::vector<std::exception_ptr> errors(threads);

    Clock::time_point start;
    const auto phases_per_round = static_cast<std::size_t>(config.phased ? 2 * iterations : 1);
    std::barrier sync(static_cast<std::ptrdiff_t>(threads),
                      PhaseEnd<Counter>{&pool, &start, &stats, phases_per_round, config.phased});
    // Written before the barrier that releases the readers, so relaxed suffices.
    std::atomic<bool> abandon{false};

    auto worker = [&](std::size_t index) {
        // Uncounted, and taken before the clock starts: `hold` pages (fewer if
        // the pool runs dry) stay out through every round and go back after
        // the last reading, or when the worker leaves early.
        std::vector<PageId> kept;
        const auto slot = static_cast<Slot>(index);
        auto give_back = [&] {
            for (const PageId page : kept) pool.free(page, slot);
            kept.clear();
        };
        try {
            if (static_cast<long long>(index) == config.fail_worker) {
                throw std::runtime_error("worker " + std::to_string(index) + " failed on request (fail_worker)");
            }
            if (config.pin) pin_calling_thread(cpus[index % cpus.size()]);
            std::vector<PageId> held(static_cast<std::size_t>(config.batch));
            const auto local = static_cast<unsigned>(index % static_cast<std::size_t>(config.nodes));
            kept.reserve(static_cast<std::size_t>(config.hold));
            for (long long wanted = 0; wanted < config.hold; ++wanted) {
                if (const PageId page = pool.alloc(local, slot); page != kNoPage) kept.push_back(page);
            }
            sync.arrive_and_wait();  // the start line
            if (abandon.load(std::memory_order_relaxed)) {
                give_back();
                sync.arrive_and_drop();
                return;
            }
            const double cpu_start = thread_cpu_seconds();
            Tally total;
            auto record = [&] {
                stats.per_thread_ops[index] = total.ops;
                failures[index] = total.alloc_failures;
            };
            // One phased iteration: allocate, meet, free, meet (the completion
            // steps read what each phase lost). Between iterations no page is
            // held, so a stop there leaves none behind.
            auto phased_round = [&] {
                for (long long iteration = 0; iteration < iterations && !stop.requested(); ++iteration) {
                    const std::size_t kept = alloc_phase(pool, local, slot, std::span<PageId>(held), config.work, total, stop);
                    sync.arrive_and_wait();  // allocations over
                    free_phase(pool, slot, std::span<const PageId>(held.data(), kept), config.work, total, stop);
                    sync.arrive_and_wait();  // frees over
                }
            };
            for (long long round = 0; round < config.rounds; ++round) {
                if (config.phased) {
                    phased_round();
                } else {
                    total += churn_until_stopped(pool, local, slot, iterations, per_check, held, config.work, stop);
                }
                if (stop.requested()) {
                    // Between operations, so no page is half moved; dropping out
                    // lets the others pass the barriers without us.
                    record();
                    give_back();
                    stats.thread_cpu_seconds[index] = thread_cpu_seconds() - cpu_start;
                    sync.arrive_and_drop();
                    return;
                }
                // Round over: the completion step reads drift (a phased round's last free phase already met).
                if (!config.phased) sync.arrive_and_wait();
            }
            record();
            give_back();
            stats.thread_cpu_seconds[index] = thread_cpu_seconds() - cpu_start;
        } catch (const SoftLockupError&) {
            // A CPU-only worker's v5.13 search found every list empty: it leaves
            // with its held pages returned, and the run reports the lockup after
            // the others finish their share (rethrown below, like any error).
            give_back();
            errors[index] = std::current_exception();
            sync.arrive_and_drop();
        } catch (...) {
            // Thrown between two barrier calls: this worker has not arrived at the
            // current phase, so dropping out completes it for the others.
            errors[index] = std::current_exception();
            sync.arrive_and_drop();
        }
    };

    std::vector<std::thread> team = start_team(threads, sync, abandon, worker);
    join_team(team);
    const Clock::time_point end = Clock::now();

    const auto throw_if_broken = [&] {
        if (const std::string violation = pool.invariant_violation(); !violation.empty()) {
            throw InvariantError("hammer broke the free lists: " + violation);
        }
    };
    for (const auto& error : errors) {
        if (!error) continue;
        try {
            std::rethrow_exception(error);
        } catch (const SoftLockupError&) {
            throw_if_broken();  // a lockup is reported only over whole lists
            throw;
        }
    }
    throw_if_broken();
    stats.wall_seconds = std::chrono::duration<double>(end - start).count();
    stats.total_ops = std::accumulate(stats.per_thread_ops.begin(), stats.per_thread_ops.end(), 0LL);
    stats.alloc_failures = std::accumulate(failures.begin(), failures.end(), 0LL);
    stats.counter = pool.counter();
    stats.exact_count = pool.exact_count();
    stats.read_error_bound = pool.read_error_bound();
    stats.true_free = pool.true_free();
    stats.counter_batch = options.counter_batch;
    return stats;
}

}  // namespace

void HammerConfig::validate() const {
    check_range("threads", threads, 1, kMaxThreads);
    PoolShape::checked(nodes, pages_per_node, node_pages);
    check_churn_limits(ops, batch, work);
    check_range("rounds", rounds, 1, kMaxRounds);
    check_range("fail_worker", fail_worker, -1, threads - 1);
    check_range("hold", hold, 0, kMaxHold);
    counter_options();
}

CounterOptions HammerConfig::counter_options() const { return CounterOptions::checked(0, counter_batch, packed); }

long long HammerConfig::iterations_per_round() const noexcept {
    return churn_iterations(ops, batch * rounds);  // one round's share of each worker's iterations
}

long long HammerConfig::iterations_per_stop_check() const noexcept {
    return churn_iterations_per_stop_check(batch, work, threads);
}

HammerPlan HammerConfig::plan() const {
    validate();
    return {iterations_per_round(), iterations_per_stop_check()};
}

HammerStats run_hammer(Strategy strategy, const HammerConfig& config, const StopFlag& stop) {
    config.validate();
    return with_counter(strategy, config.counter_options().layout,
                        [&]<class Counter>() { return hammer_with<Counter>(config, stop); });
}

}  // namespace sgx
