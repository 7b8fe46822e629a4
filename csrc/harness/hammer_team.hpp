// The native hammer's thread team for one strategy type: spawn, start barrier,
// rounds, join, report. run_hammer_with<Counter>() is what a registered
// strategy runs (registry/), handed a validated config and its counter options.
//
// One std::barrier orders everything. Its completion step runs while every
// worker is blocked in it, so that is where the clock starts (phase 0) and where
// each round's drift is read (the last phase of every round; a phased round has
// two per iteration, see PhaseEnd): quiescent by construction, with no extra
// handshake. Every worker leaves by one door whatever ended it (its share done,
// a stop, an abandoned start, an error): its held pages go back and it drops out
// of the barrier, so the others never wait for it; an error is rethrown after
// every thread has joined.
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/team.hpp"
#include "base/thread_clock.hpp"
#include "harness/churn.hpp"
#include "harness/hammer.hpp"
#include "model/epc_pool.hpp"

namespace sgx {
namespace hammer_team {

using Clock = std::chrono::steady_clock;

// The barrier's completion step; runs with every remaining worker blocked.
// Phase 0 starts the clock; after it each round has `phases_per_round` phases
// (one, or two per iteration when phased), and the last one of a round reads
// the round's drift. In a phased run the exact drift's change over an
// allocation phase is the decrements lost in it: with only decrements running,
// every racy write stores an earlier value minus one, so the count can only end
// too high; a free phase's change is likewise the increments lost. The phase
// the workers complete by leaving, after the last round, reads nothing.
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
        if (phase > stats->drift_by_round.size() * phases_per_round) return;
        const long exact = pool->exact_drift();
        if (phase == 0) {
            *start = Clock::now();
        } else {
            const std::size_t step = phase - 1, round = step / phases_per_round;
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

// What the workers share. Each worker writes only its own entries of the
// per-thread vectors; the barrier's completion step alone writes the rest.
template <CounterStrategy Counter>
struct Team {
    Team(const HammerConfig& hammer, const CounterOptions& options, const StopFlag& stop_flag)
        : config(hammer),
          stop(stop_flag),
          pool(PoolShape::checked(config.nodes, config.pages_per_node, config.node_pages), options,
               config.node_search, &stop_flag),
          threads(static_cast<std::size_t>(config.threads)),
          cpus(config.pin ? allowed_cpus() : std::vector<int>{}),
          stats(sized_stats(config)),
          failures(threads, 0),
          errors(threads),
          sync(static_cast<std::ptrdiff_t>(threads),
               PhaseEnd<Counter>{&pool, &start, &stats,
                                 static_cast<std::size_t>(config.phased ? 2 * config.iterations_per_round() : 1),
                                 config.phased}) {
        stats.counter_batch = options.counter_batch;
    }

    static HammerStats sized_stats(const HammerConfig& config) {
        const auto threads = static_cast<std::size_t>(config.threads);
        const auto rounds = static_cast<std::size_t>(config.rounds);
        HammerStats stats;
        stats.per_thread_ops.assign(threads, 0);
        stats.drift_by_round.assign(rounds, 0);
        stats.exact_drift_by_round.assign(rounds, 0);
        stats.lost_decrements.assign(rounds, 0);
        stats.lost_increments.assign(rounds, 0);
        stats.thread_cpu_seconds.assign(threads, 0.0);
        return stats;
    }

    // After every worker joined: the first error (a lockup only over whole lists),
    // else the run's figures.
    HammerStats report(Clock::time_point end) {
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
                throw_if_broken();
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
        return std::move(stats);
    }

    const HammerConfig& config;
    const StopFlag& stop;
    EpcPool<Counter> pool;
    std::size_t threads;
    std::vector<int> cpus;  // pin: worker i on cpus[i % size]
    HammerStats stats;
    std::vector<long long> failures;
    std::vector<std::exception_ptr> errors;
    Clock::time_point start;
    std::barrier<PhaseEnd<Counter>> sync;
    std::atomic<bool> abandon{false};  // stored before the start line releases its readers: relaxed suffices
};

// One worker of the team: worker `index` on node index % nodes, with slot index.
template <CounterStrategy Counter>
class Worker {
public:
    Worker(Team<Counter>& team, std::size_t index) noexcept
        : team_(team), config_(team.config), index_(index), slot_(static_cast<Slot>(index)) {}

    void run() noexcept {
        try {
            if (static_cast<long long>(index_) == config_.fail_worker) {
                throw std::runtime_error("worker " + std::to_string(index_) + " failed on request (fail_worker)");
            }
            if (config_.pin) pin_calling_thread(team_.cpus[index_ % team_.cpus.size()]);
            batch_.resize(static_cast<std::size_t>(config_.batch));
            hold_pages();
            team_.sync.arrive_and_wait();  // the start line
            if (!team_.abandon.load(std::memory_order_relaxed)) churn_rounds();
        } catch (...) {
            // A CPU-only worker's v5.13 search that found every list empty
            // (SoftLockupError) is reported like any error, once the others
            // have finished their share.
            team_.errors[index_] = std::current_exception();
        }
        leave();
    }

private:
    ChurnSite<Counter> site() noexcept {
        const auto local = static_cast<unsigned>(index_ % static_cast<std::size_t>(config_.nodes));
        return {team_.pool, local, slot_, config_.work, team_.stop, std::span<PageId>(batch_)};
    }

    // Uncounted, and taken before the clock starts: `hold` pages (fewer if the
    // pool runs dry) stay out through every round, so the rounds' readings
    // happen with pages out.
    void hold_pages() {
        const ChurnSite<Counter> mine = site();
        kept_.reserve(static_cast<std::size_t>(config_.hold));
        for (long long wanted = 0; wanted < config_.hold; ++wanted) {
            if (const PageId page = mine.pool.alloc(mine.local, slot_); page != kNoPage) kept_.push_back(page);
        }
    }

    // Every round, each ended at the barrier (whose completion step reads the
    // drift); a stop ends them between two operations, so no page is half moved.
    void churn_rounds() {
        const double cpu_start = thread_cpu_seconds();
        const ChurnSite<Counter> mine = site();
        const long long iterations = config_.iterations_per_round();
        const long long per_check = config_.iterations_per_stop_check();
        for (long long round = 0; round < config_.rounds && !team_.stop.requested(); ++round) {
            if (config_.phased) {
                phased_round(mine, iterations);
            } else {
                total_ += churn_until_stopped(mine, iterations, per_check);
                if (!team_.stop.requested()) team_.sync.arrive_and_wait();  // round over
            }
        }
        cpu_seconds_ = thread_cpu_seconds() - cpu_start;
    }

    // Each iteration: allocate, meet, free, meet (the completion steps read what
    // each phase lost). Between iterations no page is held, so a stop there
    // leaves none behind.
    void phased_round(const ChurnSite<Counter>& mine, long long iterations) {
        for (long long iteration = 0; iteration < iterations && !team_.stop.requested(); ++iteration) {
            const std::size_t kept = alloc_phase(mine, total_);
            team_.sync.arrive_and_wait();  // allocations over
            free_phase(mine, std::span<const PageId>(batch_.data(), kept), total_);
            team_.sync.arrive_and_wait();  // frees over
        }
    }

    // The one way out: the held pages go back after the last reading, the
    // tallies are recorded, and the worker drops out of the barrier. A worker
    // that threw had not arrived at the current phase, so dropping completes it
    // for the others.
    void leave() noexcept {
        try {
            for (const PageId page : kept_) team_.pool.free(page, slot_);
        } catch (...) {
            if (!team_.errors[index_]) team_.errors[index_] = std::current_exception();
        }
        team_.stats.per_thread_ops[index_] = total_.ops;
        team_.failures[index_] = total_.alloc_failures;
        team_.stats.thread_cpu_seconds[index_] = cpu_seconds_;
        team_.sync.arrive_and_drop();
    }

    Team<Counter>& team_;
    const HammerConfig& config_;
    std::size_t index_;
    Slot slot_;
    std::vector<PageId> batch_;  // the churn buffer: a batch's pages
    std::vector<PageId> kept_;   // the `hold` pages
    Tally total_;
    double cpu_seconds_ = 0;
};

}  // namespace hammer_team

// Runs the hammer on a fresh pool of `Counter`s; `config` must be validated and
// `options` its counter options. Rethrows the first worker error after joining
// every thread: SoftLockupError when a worker on a CPU-only node, searching as
// v5.13 did, found every list empty (its pages given back first). Throws
// InvariantError if the lists lost or duplicated a page. Workers poll `stop`
// every few milliseconds and leave early when it is raised.
template <CounterStrategy Counter>
HammerStats run_hammer_with(const HammerConfig& config, const CounterOptions& options, const StopFlag& stop) {
    hammer_team::Team<Counter> team(config, options, stop);
    std::vector<std::thread> threads =
        start_team(team.threads, team.sync, team.abandon,
                   [&team](std::size_t index) { hammer_team::Worker<Counter>(team, index).run(); });
    join_team(threads);
    return team.report(hammer_team::Clock::now());
}

}  // namespace sgx
