// Watchdog: the calling thread's part of a threaded reclaim run. It looks at
// the run's progress every kWatchInterval and says how the run ended:
// completed (every worker finished), hung (no progress since the last look, and
// the absorbing state proven: hang_proof.hpp), stalled (no progress for
// stall_seconds, or a fault retried past its limit, without that proof: starved
// of CPU, not stuck) or interrupted (the caller's StopFlag, Ctrl-C). A hung
// model therefore never hangs the process.
//
// A watchdog that itself got no CPU for kWatchdogStarved says nothing about the
// model (the whole machine stalled): its stall clock restarts rather than fire.
//
// Cost: one progress sum per look, the proof only when a look saw no progress.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "base/stop_flag.hpp"

namespace sgx {

// What the watchdog concluded (the scenario maps it to its ReclaimOutcome).
enum class WatchVerdict { completed, hung, stalled, interrupted };

class Watchdog {
public:
    using Clock = std::chrono::steady_clock;
    using Seconds = std::chrono::duration<double>;

    // How often it looks; also how late it may notice Ctrl-C.
    static constexpr auto kWatchInterval = std::chrono::milliseconds(10);
    static constexpr auto kWatchdogStarved = std::chrono::milliseconds(250);

    // `walk_interval_seconds` > 0: call the run's sample() that often as well.
    Watchdog(std::size_t workers, double stall_seconds, double walk_interval_seconds)
        : workers_(workers),
          stall_(std::chrono::duration_cast<Clock::duration>(Seconds(stall_seconds))),
          walk_every_(std::chrono::duration_cast<Clock::duration>(Seconds(walk_interval_seconds))) {}

    // A worker is done: the last one ends the watch as completed.
    void worker_finished() {
        {
            std::lock_guard hold(mutex_);
            ++finished_;
        }
        wakeup_.notify_one();
    }

    // The run's stop was raised elsewhere: look now rather than at the next interval.
    void nudge() {
        { std::lock_guard hold(mutex_); }
        wakeup_.notify_one();
    }

    // Returns once every worker finished, run.stopping() held, or a verdict was
    // reached. `run` gives: stopping(), progress() (any change is progress),
    // retry_limit_hit(), proves_hung() and sample() (the drift walk).
    template <class Run>
    WatchVerdict watch(Run& run, const StopFlag& external) {
        const bool walking = walk_every_ > Clock::duration::zero();
        const Clock::duration look_every = walking ? std::min<Clock::duration>(kWatchInterval, walk_every_)
                                                   : Clock::duration(kWatchInterval);
        long long seen = run.progress();
        Clock::time_point last_look = Clock::now();
        Clock::time_point last_change = last_look;
        Clock::time_point next_sample = last_look;
        std::unique_lock hold(mutex_);
        const auto over = [&] { return finished_ == workers_ || run.stopping(); };
        while (!wakeup_.wait_for(hold, look_every, over)) {
            if (const Clock::time_point now = Clock::now(); walking && now >= next_sample) {
                run.sample();
                next_sample = now + walk_every_;  // after a starved watchdog, no burst of catch-up samples
            }
            if (external.requested()) return WatchVerdict::interrupted;
            const Clock::time_point now = Clock::now();
            if (now - last_look > kWatchdogStarved) last_change = now;
            last_look = now;
            const bool over_retries = run.retry_limit_hit();
            if (const long long current = run.progress(); current != seen && !over_retries) {
                seen = current;
                last_change = now;
                continue;
            }
            if (run.proves_hung()) return WatchVerdict::hung;
            if (over_retries || now - last_change >= stall_) return WatchVerdict::stalled;
        }
        return WatchVerdict::completed;  // the caller's first verdict wins: a no-op when one came first
    }

private:
    const std::size_t workers_;
    const Clock::duration stall_;
    const Clock::duration walk_every_;
    std::mutex mutex_;  // guards finished_ and the watchdog's sleep
    std::condition_variable wakeup_;
    std::size_t finished_ = 0;
};

}  // namespace sgx
