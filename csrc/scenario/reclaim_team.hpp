// ReclaimTeam<Counter>: the threaded reclaim scenario for one counter type,
// and run_reclaim_with<Counter>(), the entry point a strategy registry calls
// once per strategy type (header-defined, so a strategy compiled into another
// extension module can instantiate it).
//
// The team brings the threads; the kernel code is model/'s, run unchanged: the
// fault workers each run FaultPath::work() over their share (worker i: node
// i % nodes, slot i, its own enclave or a share of the one shared enclave),
// ksgxd runs Reclaimer::run() on a real wait queue (thread_wait_queue.hpp),
// and the calling thread is the watchdog (watchdog.hpp), which asks
// hang_proof.hpp whenever a look finds no progress. The first verdict wins
// (a worker's -ENOMEM or soft lockup, or the watchdog's); every thread then
// winds down, joins, and the run ends with the conservation check.
//
// ksgxd does not stop when the workload does, as the kernel's does not: a
// completed run ends once it has gone back to sleep, so the pages left free
// are its doing.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/padded.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/update_clock.hpp"
#include "model/reclaim_model.hpp"
#include "scenario/drift_walk.hpp"
#include "scenario/hang_proof.hpp"
#include "scenario/reclaim_config.hpp"
#include "scenario/thread_wait_queue.hpp"
#include "scenario/watchdog.hpp"

namespace sgx {

template <CounterStrategy Counter>
class ReclaimTeam {
public:
    using Model = ReclaimModel<Counter, ThreadWaitQueue>;

    ReclaimTeam(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& external)
        : config_(config),
          settings_(config.settings()),
          external_(external),
          workers_(static_cast<std::size_t>(config.threads)),
          start_line_(static_cast<std::ptrdiff_t>(workers_) + 2),
          model_(PoolShape::checked(config.nodes, config.pages_per_node, config.node_pages), options,
                 config.node_search, settings_, stop_, &external, &start_line_),
          progress_(std::make_unique<Padded<std::atomic<long long>>[]>(workers_)),
          errors_(workers_ + 1),
          cpus_(config.pin ? allowed_cpus() : std::vector<int>{}),
          watchdog_(workers_, config.stall_seconds, config.walk_interval_seconds) {
        if (config.update_log_limit > 0) {
            update_times_.reserve(workers_ + 1);
            for (std::size_t index = 0; index <= workers_; ++index) {
                update_times_.push_back({UpdateTimes(static_cast<std::size_t>(config.update_log_limit))});
            }
        }
    }

    ReclaimStats run() {
        std::vector<std::thread> team;
        team.reserve(workers_);
        std::thread ksgxd([this] { reclaimer_thread(); });
        try {
            for (std::size_t index = 0; index < workers_; ++index) team.emplace_back([this, index] { worker(index); });
        } catch (...) {
            // Could not start them all: release the ones at the start line, which then see the stop.
            declare(ReclaimOutcome::interrupted);
            start_line_.count_down(static_cast<std::ptrdiff_t>(workers_ - team.size()) + 1);
            join_all(team, ksgxd);
            throw;
        }

        origin_ = Clock::now();  // before the start line opens: no update can come earlier
        start_line_.arrive_and_wait();
        const Clock::time_point start = Clock::now();
        declare(outcome_of(watchdog_.watch(*this, external_)));  // a no-op when a verdict came first
        const Clock::time_point end = Clock::now();
        // Relaxed: this thread's declare() just read the winning verdict in its compare-exchange.
        if (verdict_.load(std::memory_order_relaxed) == static_cast<int>(ReclaimOutcome::completed)) {
            model_.queue().wait_until_settled([this] { return external_.requested(); }, Watchdog::kWatchInterval);
        }
        join_all(team, ksgxd);
        if (walking()) sample();  // quiescent: the walk's last point is the end state

        for (const auto& error : errors_) {
            if (error) std::rethrow_exception(error);
        }
        if (const std::string violation = model_.conservation_violation(); !violation.empty()) {
            throw InvariantError("reclaim scenario lost or duplicated a page: " + violation);
        }
        return stats(Seconds(end - start).count());
    }

    // What the watchdog asks (watchdog.hpp).
    bool stopping() const noexcept { return stop_.requested(); }
    bool retry_limit_hit() const noexcept { return model_.faults().retry_limit_hit(); }
    bool proves_hung() { return sgx::proves_hung(model_); }

    // Touches completed, plus ksgxd's work: a scan that gives 33 million
    // accessed pages their second chance before it evicts one is progress too.
    long long progress() const noexcept {
        return touches() + model_.reclaimer().pages_reclaimed() + model_.reclaimer().young_skipped();
    }

    // One point of the drift walk.
    void sample() { walk_.sample(Seconds(Clock::now() - origin_).count(), touches(), model_.pool()); }

private:
    using Clock = std::chrono::steady_clock;
    using Seconds = std::chrono::duration<double>;
    using Pause = typename Counter::pause_policy;

    static constexpr int kNoVerdict = -1;

    static ReclaimOutcome outcome_of(WatchVerdict verdict) noexcept {
        switch (verdict) {
            case WatchVerdict::completed: return ReclaimOutcome::completed;
            case WatchVerdict::hung: return ReclaimOutcome::hung;
            case WatchVerdict::stalled: return ReclaimOutcome::stalled;
            case WatchVerdict::interrupted: return ReclaimOutcome::interrupted;
        }
        return ReclaimOutcome::interrupted;
    }

    // The first verdict wins; every thread then winds down.
    void declare(ReclaimOutcome outcome) noexcept {
        int none = kNoVerdict;
        // Relaxed: the verdict is read after the joins, which order it.
        verdict_.compare_exchange_strong(none, static_cast<int>(outcome), std::memory_order_relaxed);
        stop_.request();
        watchdog_.nudge();
    }

    bool walking() const noexcept { return config_.walk_interval_seconds > 0; }

    UpdateTimes* times_of(std::size_t thread) noexcept {
        return update_times_.empty() ? nullptr : &update_times_[thread].value;
    }

    long long touches() const noexcept {
        long long sum = 0;
        // Relaxed: each count only ever grows; the watchdog compares sums, and any
        // change at all is progress.
        for (std::size_t index = 0; index < workers_; ++index) {
            sum += progress_[index].value.load(std::memory_order_relaxed);
        }
        return sum;
    }

    void worker(std::size_t index) {
        const ClockedThread<Pause> clock(times_of(index));
        const auto me = static_cast<unsigned>(index);
        bool at_start = false;
        try {
            if (config_.pin) pin_calling_thread(cpus_[index % cpus_.size()]);
            at_start = true;
            start_line_.arrive_and_wait();
            FaultCaller self = model_.caller(me);
            const auto [first, last] = model_.share(me);
            const FaultEnd end = model_.faults().work(self, first, last, progress_[index].value);
            if (end == FaultEnd::out_of_memory) declare(ReclaimOutcome::out_of_memory);
            if (end == FaultEnd::soft_lockup) declare(ReclaimOutcome::soft_lockup);
        } catch (...) {
            errors_[index] = std::current_exception();
            if (!at_start) start_line_.count_down();
            declare(ReclaimOutcome::interrupted);
        }
        model_.finish(me);
        watchdog_.worker_finished();
    }

    void reclaimer_thread() {
        const ClockedThread<Pause> clock(times_of(workers_));
        try {
            model_.reclaimer().run();
        } catch (...) {
            errors_[workers_] = std::current_exception();
            declare(ReclaimOutcome::interrupted);
        }
    }

    void join_all(std::vector<std::thread>& team, std::thread& ksgxd) {
        for (auto& thread : team) thread.join();
        model_.queue().stop();
        ksgxd.join();
    }

    ReclaimStats stats(double elapsed_seconds) const {
        ReclaimStats stats;
        // Relaxed: read after every thread joined.
        stats.outcome = static_cast<ReclaimOutcome>(verdict_.load(std::memory_order_relaxed));
        stats.elapsed_seconds = elapsed_seconds;
        stats.touches = touches();
        Clock::duration waiting{};
        for (unsigned index = 0; index < model_.workers(); ++index) {
            const FaultTally& tally = model_.tally(index);
            stats.faults_served += tally.faults;
            stats.fault_retries += tally.retries;
            stats.longest_fault_retries = std::max(stats.longest_fault_retries, tally.longest);
            stats.pages_reclaimed_directly += tally.reclaimed;
            stats.pages_removed += tally.removed;
            stats.wake_calls += tally.wakes;
            stats.busy_being_reclaimed += tally.busy_being_reclaimed;
            stats.faults_per_worker.push_back(tally.faults);
            waiting += tally.waiting;
        }
        const auto& ksgxd = model_.reclaimer();
        stats.reclaimer_wakeups = model_.queue().wakeups();
        stats.pages_reclaimed = ksgxd.pages_reclaimed() + stats.pages_reclaimed_directly;
        stats.young_skipped = ksgxd.young_skipped();
        stats.reclaim_seconds = ksgxd.busy_seconds();
        stats.fault_wait_seconds = Seconds(waiting).count();
        stats.counter = model_.pool().counter();
        stats.exact_count = model_.pool().exact_count();
        stats.true_free = model_.pool().true_free();
        stats.active_pages = model_.enclaves().active_length();
        stats.fault_wakes_reclaimer = ksgxd.should_wake();
        stats.pages_conserved = true;  // conservation_violation() came back empty
        stats.walk_seconds = walk_.seconds;
        stats.walk_touches = walk_.touches;
        stats.walk_counter = walk_.counter;
        stats.walk_exact = walk_.exact;
        stats.walk_free = walk_.free;
        const long long origin = origin_.time_since_epoch().count();
        for (const Padded<UpdateTimes>& padded : update_times_) {
            const UpdateTimes& times = padded.value;
            std::vector<long long>& since_start = stats.update_ns.emplace_back(times.stamps());
            for (long long& stamp : since_start) stamp -= origin;
            stats.update_log_full = stats.update_log_full || times.full();
        }
        if (stats.outcome == ReclaimOutcome::soft_lockup) stats.soft_lockup_node = model_.faults().lockup_node();
        return stats;
    }

    const ReclaimConfig& config_;
    const ReclaimSettings settings_;
    const StopFlag& external_;
    const std::size_t workers_;
    StopFlag stop_;          // the team's: raised by the first verdict
    std::latch start_line_;  // the workers, the watchdog and ksgxd (asleep)
    Model model_;
    std::atomic<int> verdict_{kNoVerdict};
    std::unique_ptr<Padded<std::atomic<long long>>[]> progress_;  // touches completed, one count per worker
    std::vector<std::exception_ptr> errors_;                      // one per worker, then the reclaimer's
    std::vector<int> cpus_;
    // update_log_limit > 0: one per worker, then ksgxd's. Padded: each stamp
    // writes its buffer's size, and two threads' sizes on one line would make
    // the stamping itself a shared line between the updates it times.
    std::vector<Padded<UpdateTimes>> update_times_;
    Clock::time_point origin_{};              // just before the start line opened: time zero of walk and stamps
    DriftWalk walk_;                          // written by the watchdog (the calling thread) only
    Watchdog watchdog_;
};

// Runs the scenario with counter type `Counter`: what a strategy's registry entry
// (registry/entry_for.hpp) calls. With update_log_limit > 0 the type's pause policy must
// be UpdateClock, which stamps the updates of the one shared count, so only a
// strategy with one (counters/update_clock.hpp's OneSharedCount) has that run.
template <CounterStrategy Counter>
ReclaimStats run_reclaim_with(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& stop) {
    config.validate();
    constexpr bool clocked = std::is_same_v<typename Counter::pause_policy, UpdateClock>;
    static_assert(!clocked || OneSharedCount<Counter>,
                  "UpdateClock stamps the updates of one shared count: this strategy has none");
    if ((config.update_log_limit > 0) != clocked) {
        throw std::invalid_argument(clocked ? "a counter type with the UpdateClock pause policy needs update_log_limit > 0"
                                            : "update_log_limit > 0 needs the counter type with the UpdateClock pause "
                                              "policy (only strategies with one shared count have one)");
    }
    return ReclaimTeam<Counter>(config, options, stop).run();
}

}  // namespace sgx
