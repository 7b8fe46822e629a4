// The read-cost team for one strategy type: writers churn, one reader reads,
// one start barrier, join. run_read_cost_with<Counter>() is what a registered
// strategy runs (registry/).
//
// The reader reads in chunks of kReadsPerCheck and looks, between chunks, at how
// many writers are still running and at the StopFlag: one relaxed load per
// chunk, so the loop it times is the reads themselves.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/slot.hpp"
#include "base/team.hpp"
#include "harness/churn.hpp"
#include "harness/churn_limits.hpp"
#include "harness/read_cost.hpp"
#include "model/epc_pool.hpp"

namespace sgx {
namespace read_cost_team {

using Clock = std::chrono::steady_clock;

constexpr long long kReadsPerCheck = 256;

// Keeps a read's result alive and forbids caching memory across it, so the
// compiler can neither drop a read nor merge two (google/benchmark's
// DoNotOptimize plus ClobberMemory, in one line).
inline void keep(long value) noexcept { asm volatile("" : : "r"(value) : "memory"); }

template <bool Exact, CounterStrategy Counter>
long long read_until_done(const EpcPool<Counter>& pool, const std::atomic<long long>& writers_left,
                          long long minimum, const StopFlag& stop) {
    long long reads = 0;
    for (;;) {
        for (long long index = 0; index < kReadsPerCheck; ++index) {
            if constexpr (Exact) {
                keep(pool.exact_count());
            } else {
                keep(pool.counter());
            }
        }
        reads += kReadsPerCheck;
        // Relaxed: the count only says when to stop; the join orders the results.
        if ((writers_left.load(std::memory_order_relaxed) == 0 && reads >= minimum) || stop.requested()) {
            return reads;
        }
    }
}

}  // namespace read_cost_team

// Runs writers and reader on a fresh pool of `Counter`s; `config` must be
// validated and `options` its counter options. Rethrows the first thread error
// after joining every thread. Every thread polls `stop` every few milliseconds.
template <CounterStrategy Counter>
ReadCostStats run_read_cost_with(const ReadCostConfig& config, const CounterOptions& options, const StopFlag& stop) {
    using read_cost_team::Clock;
    using read_cost_team::read_until_done;
    EpcPool<Counter> pool(PoolShape::checked(config.nodes, config.pages_per_node), options, NodeSearch::fixed_2024,
                          &stop);
    const auto writers = static_cast<std::size_t>(config.writers);
    const std::size_t threads = writers + 1;  // the reader is the last
    const std::vector<int> cpus = config.pin ? allowed_cpus() : std::vector<int>{};
    const long long per_check =
        churn_iterations_per_stop_check(config.batch, config.work, std::max(config.writers, 1LL));
    const long long iterations = churn_iterations(config.ops, config.batch);

    ReadCostStats stats;
    stats.counter_batch = options.counter_batch;
    stats.per_writer_ops.assign(writers, 0);
    std::vector<Clock::time_point> finished(threads);
    std::vector<std::exception_ptr> errors(threads);

    Clock::time_point start;
    std::barrier sync(static_cast<std::ptrdiff_t>(threads), [&start]() noexcept { start = Clock::now(); });
    // Relaxed: it publishes nothing; the reader only polls it to know when to stop.
    std::atomic<long long> writers_left{config.writers};
    // Written before the start barrier that releases the readers of it: relaxed suffices.
    std::atomic<bool> abandon{false};

    auto writer = [&](std::size_t index) {
        try {
            if (config.pin) pin_calling_thread(cpus[index % cpus.size()]);
            std::vector<PageId> held(static_cast<std::size_t>(config.batch));
            const auto local = static_cast<unsigned>(index % static_cast<std::size_t>(config.nodes));
            const ChurnSite<Counter> site{pool, local, static_cast<Slot>(index), config.work, stop, held};
            sync.arrive_and_wait();
            if (!abandon.load(std::memory_order_relaxed)) {
                stats.per_writer_ops[index] = churn_until_stopped(site, iterations, per_check).ops;
                finished[index] = Clock::now();
            }
        } catch (...) {
            errors[index] = std::current_exception();
            sync.arrive_and_drop();  // only throws before the start line
        }
        writers_left.fetch_sub(1, std::memory_order_relaxed);
    };

    auto reader = [&] {
        try {
            if (config.pin) pin_calling_thread(cpus[writers % cpus.size()]);
            sync.arrive_and_wait();
            if (abandon.load(std::memory_order_relaxed)) return;
            const long long minimum = writers == 0 ? config.ops : 0;
            stats.reads = config.exact_read ? read_until_done<true>(pool, writers_left, minimum, stop)
                                            : read_until_done<false>(pool, writers_left, minimum, stop);
            finished[writers] = Clock::now();
        } catch (...) {
            errors[writers] = std::current_exception();
            sync.arrive_and_drop();
        }
    };

    // Threads 0 .. writers-1 write; the last one reads.
    std::vector<std::thread> team = start_team(threads, sync, abandon, [&](std::size_t index) {
        if (index < writers) writer(index);
        else reader();
    });
    join_team(team);

    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    if (const std::string violation = pool.invariant_violation(); !violation.empty()) {
        throw InvariantError("read_cost broke the free lists: " + violation);
    }
    auto seconds_to = [&start](Clock::time_point end) { return std::chrono::duration<double>(end - start).count(); };
    const auto writers_end = finished.begin() + static_cast<std::ptrdiff_t>(writers);
    const auto last_writer = std::max_element(finished.begin(), writers_end);
    stats.writer_seconds = writers == 0 ? 0.0 : seconds_to(*last_writer);
    stats.reader_seconds = seconds_to(finished[writers]);
    stats.writer_ops = std::accumulate(stats.per_writer_ops.begin(), stats.per_writer_ops.end(), 0LL);
    return stats;
}

}  // namespace sgx
