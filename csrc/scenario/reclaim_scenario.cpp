// The reclaim scenario's thread team: fault workers, the reclaimer, and the
// watchdog that turns a hang into a returned result.
//
// Worker i owns a contiguous share of the enclave, uses node i % nodes as its
// local node and slot i; it makes `passes` passes over its share, and a touch
// of an evicted page faults. A fault models the #PF path of
// arch/x86/kernel/cpu/sgx/encl.c (sgx_encl_load_page()) calling
// sgx_alloc_epc_page(page, false): no reclaim of its own; when every list is
// empty it wakes ksgxd only if sgx_should_reclaim(SGX_NR_LOW_PAGES) and returns
// -EBUSY, and user space faults on the same address again. (The kernel also
// wakes ksgxd after a *successful* allocation below the low watermark; the
// model wakes it from failed faults only, so the reclaimer runs exactly when
// the lists are dry, which is where the hang is decided.)
//
// A worker on a node without EPC (node_pages) searches the mask as
// config.node_search says; with the v5.13 search and every list empty its
// allocation never returns in the kernel, and here it ends the run as a
// soft_lockup (ReclaimStats::soft_lockup_node says where).
//
// The calling thread is the watchdog: it looks at the workers' progress every
// kWatchInterval and declares the run hung after stall_seconds without a single
// touch completed, or as soon as a worker reports a fault retried more than
// max_retries times. Either way it raises the team's stop flag, wakes the
// reclaimer, joins every thread and returns: a hung model never hangs the process.
//
// Cost: a hit is one relaxed load and one relaxed store on the worker's own
// cache line; a fault adds an allocation and one active-list lock round trip.
#include "scenario/reclaim_scenario.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/padded.hpp"
#include "base/slot.hpp"
#include "counters/counter_options.hpp"
#include "model/enclave.hpp"
#include "model/pool_shape.hpp"
#include "model/reclaimer.hpp"

namespace sgx {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

// How often the watchdog looks at progress; also how late it may notice Ctrl-C.
constexpr auto kWatchInterval = std::chrono::milliseconds(10);
// A watchdog that itself got no CPU for this long says nothing about the model
// (the whole machine stalled): its stall clock restarts rather than fire.
constexpr auto kWatchdogStarved = std::chrono::milliseconds(250);

constexpr int kNoVerdict = -1;

struct WorkerTally {
    long long faults = 0;
    long long retries = 0;
    long long longest = 0;
};

template <CounterStrategy Counter>
class Scenario {
public:
    Scenario(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& external)
        : config_(config),
          external_(external),
          pool_(PoolShape::checked(config.nodes, config.pages_per_node, config.node_pages), options,
                config.node_search),
          enclave_(static_cast<EnclavePageId>(config.enclave_pages)),
          reclaimer_(pool_, enclave_, Watermarks{static_cast<long>(config.low), static_cast<long>(config.high)},
                     config.comparison, config.watermark_read, static_cast<long>(config.scan), reclaimer_slot(config),
                     config.leak_pages),
          threads_(static_cast<std::size_t>(config.threads)),
          start_line_(static_cast<std::ptrdiff_t>(threads_) + 2),
          progress_(std::make_unique<Padded<std::atomic<long long>>[]>(threads_)),
          tallies_(threads_),
          errors_(threads_ + 1),
          cpus_(config.pin ? allowed_cpus() : std::vector<int>{}) {}

    ReclaimStats run() {
        std::vector<std::thread> team;
        team.reserve(threads_);
        std::thread ksgxd([this] { reclaimer_thread(); });
        try {
            for (std::size_t index = 0; index < threads_; ++index) team.emplace_back([this, index] { worker(index); });
        } catch (...) {
            // Could not start them all: release the ones at the start line, which then see the stop.
            declare(ReclaimOutcome::interrupted);
            start_line_.count_down(static_cast<std::ptrdiff_t>(threads_ - team.size()) + 1);
            join_all(team, ksgxd);
            throw;
        }

        start_line_.arrive_and_wait();
        const Clock::time_point start = Clock::now();
        watch();
        const Clock::time_point end = Clock::now();
        join_all(team, ksgxd);

        for (const auto& error : errors_) {
            if (error) std::rethrow_exception(error);
        }
        if (const std::string violation = conservation_violation(); !violation.empty()) {
            throw InvariantError("reclaim scenario lost or duplicated a page: " + violation);
        }
        return stats(Seconds(end - start).count());
    }

private:
    static Slot reclaimer_slot(const ReclaimConfig& config) { return static_cast<Slot>(config.threads); }

    // The first verdict wins; every thread then winds down.
    void declare(ReclaimOutcome outcome) noexcept {
        int none = kNoVerdict;
        // Relaxed: the verdict is read after the joins, which order it.
        verdict_.compare_exchange_strong(none, static_cast<int>(outcome), std::memory_order_relaxed);
        // Relaxed: the flag publishes no data; the joins order everything else.
        stop_.store(true, std::memory_order_relaxed);
        { std::lock_guard hold(watch_mutex_); }
        watch_wakeup_.notify_one();
    }

    bool stopping() const noexcept {
        // Relaxed: seen late, it costs one more touch or retry, nothing else.
        return stop_.load(std::memory_order_relaxed);
    }

    // The calling thread's part: returns once every worker finished or a verdict was declared.
    void watch() {
        const auto stall = std::chrono::duration_cast<Clock::duration>(Seconds(config_.stall_seconds));
        long long seen = progress();
        Clock::time_point last_look = Clock::now();
        Clock::time_point last_change = last_look;
        std::unique_lock hold(watch_mutex_);
        const auto over = [this] { return finished_ == threads_ || stopping(); };
        while (!watch_wakeup_.wait_for(hold, kWatchInterval, over)) {
            if (external_.requested()) {
                hold.unlock();
                declare(ReclaimOutcome::interrupted);
                return;
            }
            const Clock::time_point now = Clock::now();
            if (now - last_look > kWatchdogStarved) last_change = now;
            last_look = now;
            if (const long long current = progress(); current != seen) {
                seen = current;
                last_change = now;
            } else if (now - last_change >= stall) {
                hold.unlock();
                declare(ReclaimOutcome::stalled);
                return;
            }
        }
        hold.unlock();
        declare(ReclaimOutcome::completed);  // a no-op when a worker declared first
    }

    long long progress() const noexcept {
        long long sum = 0;
        // Relaxed: each count only ever grows; the watchdog compares sums, and any
        // change at all is progress.
        for (std::size_t index = 0; index < threads_; ++index) {
            sum += progress_[index].value.load(std::memory_order_relaxed);
        }
        return sum;
    }

    void worker(std::size_t index) {
        bool at_start = false;
        try {
            if (config_.pin) pin_calling_thread(cpus_[index % cpus_.size()]);
            at_start = true;
            start_line_.arrive_and_wait();
            touch_share(index);
        } catch (...) {
            errors_[index] = std::current_exception();
            if (!at_start) start_line_.count_down();
            declare(ReclaimOutcome::interrupted);
        }
        {
            std::lock_guard hold(watch_mutex_);
            ++finished_;
        }
        watch_wakeup_.notify_one();
    }

    void touch_share(std::size_t index) {
        const auto pages = static_cast<unsigned long long>(config_.enclave_pages);
        const auto first = static_cast<EnclavePageId>(pages * index / threads_);
        const auto last = static_cast<EnclavePageId>(pages * (index + 1) / threads_);
        const auto local = static_cast<unsigned>(index % static_cast<std::size_t>(config_.nodes));
        const auto slot = static_cast<Slot>(index);
        std::atomic<long long>& touched = progress_[index].value;
        WorkerTally& tally = tallies_[index].value;
        long long count = 0;
        for (long long pass = 0; pass < config_.passes; ++pass) {
            for (EnclavePageId page = first; page < last; ++page) {
                if (stopping()) return;
                if (enclave_.epc_page(page) == kNoPage && !fault_in(page, local, slot, tally)) return;
                // Relaxed: a count for the watchdog, which only looks for change.
                touched.store(++count, std::memory_order_relaxed);
            }
        }
    }

    // A fault on an evicted page, retried until served. False when the run ended first.
    bool fault_in(EnclavePageId page, unsigned local, Slot slot, WorkerTally& tally) {
        for (long long retries = 0;; ++retries) {
            PageId epc;
            try {
                epc = pool_.alloc(local, slot);
            } catch (const SoftLockupError& lockup) {
                // The v5.13 search from a CPU-only node, every list empty: the kernel
                // would spin here for good and never reach the wake-up below.
                tally.retries += retries;
                tally.longest = std::max(tally.longest, retries);
                // Relaxed: read after the joins, like the verdict.
                long long none = -1;
                lockup_node_.compare_exchange_strong(none, lockup.node, std::memory_order_relaxed);
                declare(ReclaimOutcome::soft_lockup);
                return false;
            }
            if (epc != kNoPage) [[likely]] {
                enclave_.make_resident(page, epc);
                ++tally.faults;
                tally.retries += retries;
                tally.longest = std::max(tally.longest, retries);
                return true;
            }
            if (reclaimer_.should_wake()) reclaimer_.wake();
            if (retries == config_.max_retries || stopping()) [[unlikely]] {
                tally.retries += retries;
                tally.longest = std::max(tally.longest, retries);
                if (retries == config_.max_retries) declare(ReclaimOutcome::retry_limit);
                return false;
            }
        }
    }

    void reclaimer_thread() {
        try {
            reclaimer_.run(start_line_);
        } catch (...) {
            errors_[threads_] = std::current_exception();
            declare(ReclaimOutcome::interrupted);
        }
    }

    void join_all(std::vector<std::thread>& team, std::thread& ksgxd) {
        for (auto& thread : team) thread.join();
        reclaimer_.stop();
        ksgxd.join();
    }

    // Every EPC page is free on its home list, or held by exactly one resident
    // enclave page, which is on the active list exactly once. Threads joined.
    std::string conservation_violation() const {
        if (std::string violation = pool_.invariant_violation(); !violation.empty()) return "free lists: " + violation;
        const PageId total = pool_.shape().total_pages();
        std::vector<bool> held;
        if (std::string violation = enclave_.invariant_violation(total, held); !violation.empty()) return violation;
        for (PageId page = 0; page < total; ++page) {
            const bool free = pool_.is_free(page);
            if (free && held[page]) return "EPC page " + std::to_string(page) + " is free and held at once";
            if (!free && !held[page]) return "EPC page " + std::to_string(page) + " is neither free nor held: lost";
        }
        return {};
    }

    ReclaimStats stats(double elapsed_seconds) const {
        ReclaimStats stats;
        // Relaxed: read after every thread joined.
        stats.outcome = static_cast<ReclaimOutcome>(verdict_.load(std::memory_order_relaxed));
        stats.elapsed_seconds = elapsed_seconds;
        stats.touches = progress();
        for (const Padded<WorkerTally>& padded : tallies_) {
            const WorkerTally& tally = padded.value;
            stats.faults_served += tally.faults;
            stats.fault_retries += tally.retries;
            stats.longest_fault_retries = std::max(stats.longest_fault_retries, tally.longest);
            stats.faults_per_worker.push_back(tally.faults);
        }
        stats.reclaimer_wakeups = reclaimer_.wakeups();
        stats.pages_reclaimed = reclaimer_.pages_reclaimed();
        stats.counter = pool_.counter();
        stats.exact_count = pool_.exact_count();
        stats.true_free = pool_.true_free();
        stats.active_pages = enclave_.active_length();
        stats.fault_wakes_reclaimer = reclaimer_.should_wake();
        stats.pages_conserved = true;  // conservation_violation() came back empty
        if (stats.outcome == ReclaimOutcome::soft_lockup) {
            stats.soft_lockup_node = lockup_node_.load(std::memory_order_relaxed);  // relaxed: threads joined
        }
        return stats;
    }

    const ReclaimConfig& config_;
    const StopFlag& external_;
    EpcPool<Counter> pool_;
    Enclave enclave_;
    Reclaimer<Counter> reclaimer_;
    const std::size_t threads_;
    std::latch start_line_;  // the workers, the watchdog and ksgxd (asleep)
    std::atomic<bool> stop_{false};
    std::atomic<int> verdict_{kNoVerdict};
    std::atomic<long long> lockup_node_{-1};  // the first worker to lock up: its CPU-only node
    std::unique_ptr<Padded<std::atomic<long long>>[]> progress_;  // touches completed, one count per worker
    // Each written by its worker only, on every served fault: padded, or the
    // workers would false-share the lines of their neighbours' tallies.
    std::vector<Padded<WorkerTally>> tallies_;
    std::vector<std::exception_ptr> errors_;                      // one per worker, then the reclaimer's
    std::vector<int> cpus_;

    std::mutex watch_mutex_;  // guards finished_ and the watchdog's sleep
    std::condition_variable watch_wakeup_;
    std::size_t finished_ = 0;
};

}  // namespace

void ReclaimConfig::validate() const {
    check_range("threads", threads, 1, kMaxThreads - 1);  // the reclaimer takes the slot after the last worker
    const PoolShape shape = PoolShape::checked(nodes, pages_per_node, node_pages);
    check_range("enclave_pages", enclave_pages, 1, kMaxEnclavePages);
    check_range("passes", passes, 1, kMaxPasses);
    check_range("low", low, 1, static_cast<long long>(shape.total_pages()));
    if (low > high) {
        throw_bad_argument("low must not exceed high, got low=" + std::to_string(low) +
                           ", high=" + std::to_string(high));
    }
    check_range("high", high, low, static_cast<long long>(shape.total_pages()));
    check_range("scan", scan, 1, kMaxScan);
    (void)CounterOptions::checked(initial_drift, counter_batch, packed);  // initial_drift, counter_batch
    check_seconds("stall_seconds", stall_seconds, kMinStallSeconds, kMaxStallSeconds);
    check_range("max_retries", max_retries, 1, kMaxRetries);
    check_range("leak_pages", leak_pages, 0, static_cast<long long>(shape.total_pages()));
}

ReclaimStats run_reclaim(Strategy strategy, const ReclaimConfig& config, const StopFlag& stop) {
    config.validate();
    const CounterOptions options = CounterOptions::checked(config.initial_drift, config.counter_batch, config.packed);
    return with_counter(strategy, options.layout,
                        [&]<class Counter>() { return Scenario<Counter>(config, options, stop).run(); });
}

}  // namespace sgx
