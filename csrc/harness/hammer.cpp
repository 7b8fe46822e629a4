// The native hammer's thread team: spawn, start barrier, rounds, join, report.
//
// One std::barrier orders everything. Its completion step runs while every
// worker is blocked in it, so that is where the clock starts (phase 0) and where
// each round's drift is read (phases 1..rounds): quiescent by construction, with
// no extra handshake. A worker that fails drops out of the barrier so the others
// never wait for it; the error is rethrown after every thread has joined.
#include "harness/hammer.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <numeric>
#include <string>
#include <thread>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/team.hpp"
#include "harness/churn.hpp"
#include "model/epc_pool.hpp"

namespace sgx {
namespace {

using Clock = std::chrono::steady_clock;

// The barrier's completion step; runs with every remaining worker blocked.
template <CounterStrategy Counter>
struct PhaseEnd {
    const EpcPool<Counter>* pool;
    Clock::time_point* start;
    std::vector<long long>* drift_by_round;
    std::vector<long long>* exact_drift_by_round;
    std::size_t phase = 0;

    void operator()() noexcept {
        if (phase == 0) {
            *start = Clock::now();
        } else if (phase <= drift_by_round->size()) {
            (*drift_by_round)[phase - 1] = pool->drift();
            (*exact_drift_by_round)[phase - 1] = pool->exact_drift();
        }
        ++phase;
    }
};

template <CounterStrategy Counter>
HammerStats hammer_with(const HammerConfig& config, const StopFlag& stop) {
    const CounterOptions options = config.counter_options();
    EpcPool<Counter> pool(PoolShape::checked(config.nodes, config.pages_per_node), options);
    const auto threads = static_cast<std::size_t>(config.threads);
    const long long iterations = config.iterations_per_round();
    const long long per_check = config.iterations_per_stop_check();
    const std::vector<int> cpus = config.pin ? allowed_cpus() : std::vector<int>{};

    HammerStats stats;
    stats.per_thread_ops.assign(threads, 0);
    stats.drift_by_round.assign(static_cast<std::size_t>(config.rounds), 0);
    stats.exact_drift_by_round.assign(static_cast<std::size_t>(config.rounds), 0);
    std::vector<long long> failures(threads, 0);
    std::vector<std::exception_ptr> errors(threads);

    Clock::time_point start;
    std::barrier sync(static_cast<std::ptrdiff_t>(threads),
                      PhaseEnd<Counter>{&pool, &start, &stats.drift_by_round, &stats.exact_drift_by_round});
    // Written before the barrier that releases the readers, so relaxed suffices.
    std::atomic<bool> abandon{false};

    auto worker = [&](std::size_t index) {
        try {
            if (static_cast<long long>(index) == config.fail_worker) {
                throw std::runtime_error("worker " + std::to_string(index) + " failed on request (fail_worker)");
            }
            if (config.pin) pin_calling_thread(cpus[index % cpus.size()]);
            std::vector<PageId> held(static_cast<std::size_t>(config.batch));
            const auto local = static_cast<unsigned>(index % static_cast<std::size_t>(config.nodes));
            const auto slot = static_cast<Slot>(index);
            // Uncounted, and taken before the clock starts: `hold` pages (fewer if
            // the pool runs dry) stay out through every round and go back after
            // the last reading.
            std::vector<PageId> kept;
            kept.reserve(static_cast<std::size_t>(config.hold));
            for (long long wanted = 0; wanted < config.hold; ++wanted) {
                if (const PageId page = pool.alloc(local, slot); page != kNoPage) kept.push_back(page);
            }
            auto give_back = [&] {
                for (const PageId page : kept) pool.free(page, slot);
                kept.clear();
            };
            sync.arrive_and_wait();  // the start line
            if (abandon.load(std::memory_order_relaxed)) {
                give_back();
                sync.arrive_and_drop();
                return;
            }
            Tally total;
            auto record = [&] {
                stats.per_thread_ops[index] = total.ops;
                failures[index] = total.alloc_failures;
            };
            for (long long round = 0; round < config.rounds; ++round) {
                total += churn_until_stopped(pool, local, slot, iterations, per_check, held, config.work, stop);
                if (stop.requested()) {
                    // Between operations, so no page is half moved; dropping out
                    // lets the others pass the barriers without us.
                    record();
                    give_back();
                    sync.arrive_and_drop();
                    return;
                }
                sync.arrive_and_wait();  // round over: the completion step reads drift
            }
            record();
            give_back();
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

    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    if (const std::string violation = pool.invariant_violation(); !violation.empty()) {
        throw InvariantError("hammer broke the free lists: " + violation);
    }
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
    PoolShape::checked(nodes, pages_per_node);
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
