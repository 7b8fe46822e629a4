// The limits every run of a search checks before it starts: the caller's stop
// flag (Ctrl-C), max_schedules and the time limit. One Limits serves a whole
// search, every bound of it, and every OS thread of a shared one
// (parallel_sweep.hpp): their runs count together, and the first of them to
// meet a limit stops the others at their next run.
#pragma once

#include <atomic>
#include <chrono>

#include "base/stop_flag.hpp"
#include "explore/explore.hpp"

namespace sgx::explore {

class Limits {
public:
    using Clock = std::chrono::steady_clock;

    Limits(const ExploreConfig& config, const StopFlag& stop)
        : stop_(stop),
          max_runs_(config.max_schedules),
          time_limit_(std::chrono::duration<double>(config.time_limit_seconds)),
          start_(Clock::now()) {}

    // Before a run: why the search stops here, or StopReason::none, which
    // counts the run against max_schedules.
    StopReason before_run() noexcept {
        // Relaxed: a limit another OS thread met is seen a run or two late at worst, and nothing else is read by it.
        StopReason why = stopped_.load(std::memory_order_relaxed);
        if (why == StopReason::none) {
            if (stop_.requested()) {
                why = StopReason::interrupted;
            } else if (Clock::now() - start_ >= time_limit_) {
                why = StopReason::time_limit;
            } else if (runs_.fetch_add(1, std::memory_order_relaxed) >= max_runs_) {
                // Relaxed: only the count matters; each run takes one number, so exactly max_schedules start.
                why = StopReason::max_schedules;
            }
        }
        if (why != StopReason::none) halt(why);
        return why;
    }

    // Stops every run not yet started; the first reason given is kept.
    void halt(StopReason why) noexcept {
        StopReason none = StopReason::none;
        // Relaxed: the reason is the only thing published (before_run() above).
        stopped_.compare_exchange_strong(none, why, std::memory_order_relaxed);
    }

    Clock::time_point start() const noexcept { return start_; }

private:
    const StopFlag& stop_;
    const long long max_runs_;
    const std::chrono::duration<double> time_limit_;
    const Clock::time_point start_;
    std::atomic<long long> runs_{0};
    std::atomic<StopReason> stopped_{StopReason::none};
};

}  // namespace sgx::explore
