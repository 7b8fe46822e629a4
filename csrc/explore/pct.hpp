// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
// Nagarakatte, ASPLOS 2010): random schedules with a guarantee, for runs too
// large to search exhaustively.
//
// Each run gives the n threads random distinct priorities d, d+1, ..., d+n-1
// and picks d-1 change points k_1 ... k_{d-1} uniformly among the k steps of a
// run; at each decision the enabled thread with the highest priority moves, and
// when decision k_i is made, the thread that made it drops to priority i (below
// every starting priority). A bug of depth d (d ordering constraints between
// steps, the lost update's is 2) is then found with probability at least
// 1 / (n k^(d-1)) per run, whatever the program; k must bound the steps of a
// run (here: the decisions, each one step), so the explorer takes the default
// schedule's length unless told.
//
// The random numbers are the explorer's own (splitmix64, unbiased bounded draws
// by rejection), not <random>'s distributions, whose results differ between
// standard libraries: a seed gives the same runs on every machine.
//
// Cost: a few draws per run and one pass over the threads per decision.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/stop_flag.hpp"
#include "explore/explore.hpp"
#include "explore/scheduler.hpp"
#include "explore/search.hpp"

namespace sgx::explore {

// splitmix64 (Steele, Lea and Flood, OOPSLA 2014): small, fast, and the same everywhere.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound), bound > 0: draws below the largest multiple of bound only.
    std::uint64_t below(std::uint64_t bound) noexcept {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        for (;;) {
            const std::uint64_t draw = next();
            if (draw < limit) return draw % bound;
        }
    }

private:
    std::uint64_t state_;
};

class Pct final : public Chooser {
public:
    // `steps`: k, the decisions a run is taken to make (at least 1).
    Pct(unsigned threads, long depth, long steps, std::uint64_t seed) noexcept
        : threads_(threads), depth_(depth), steps_(std::max(1L, steps)), seed_(seed) {}

    // Before run `run` (0, 1, ...): its priorities and change points, drawn from (seed, run) alone.
    void start_run(std::uint64_t run);
    unsigned choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint ended) override;
    Recording recording() const noexcept override { return Recording::schedule; }

private:
    const unsigned threads_;
    const long depth_;
    const long steps_;
    const std::uint64_t seed_;
    std::array<long, kMaxScheduledThreads> priority_{};
    std::vector<long> change_at_;  // change_at_[i]: the decision after which the mover drops to priority i + 1
    long decisions_ = 0;
};

// The PCT search: `runs` runs (fewer when stopped), each passed to
// `ended(stats, run)` unless it ran past the step limit. k is config.steps,
// or, when that is 0, the length of the default schedule, run first.
template <class MakeRun, class Ended>
ExploreStats pct_search(const ExploreConfig& config, const StopFlag& stop, MakeRun&& make_run, Ended&& ended) {
    using Clock = std::chrono::steady_clock;
    ExploreStats stats;
    const Clock::time_point start = Clock::now();
    const auto limit = std::chrono::duration<double>(config.time_limit_seconds);
    long long steps = config.steps;
    if (steps == 0) {
        const std::vector<unsigned> none;
        Replay default_schedule(none);
        const ScheduleRun measured = make_run(default_schedule);
        ++stats.runs;
        steps = std::max<long long>(1, static_cast<long long>(measured.schedule.size()));
    }
    stats.pct_steps = steps;
    Pct chooser(static_cast<unsigned>(config.total_threads()), static_cast<long>(config.depth),
                static_cast<long>(steps), static_cast<std::uint64_t>(config.seed));
    for (long long run = 0; run < config.runs; ++run) {
        if (stop.requested()) {
            stats.stopped = StopReason::interrupted;
        } else if (Clock::now() - start >= limit) {
            stats.stopped = StopReason::time_limit;
        }
        if (stats.stopped != StopReason::none) break;
        chooser.start_run(static_cast<std::uint64_t>(run));
        ScheduleRun result = make_run(chooser);
        ++stats.runs;
        ++stats.pct_runs_made;
        stats.longest_run = std::max(stats.longest_run, static_cast<long long>(result.schedule.size()));
        if (result.failed() && stats.first_failing_run == 0) stats.first_failing_run = run + 1;
        if (result.outcome == Outcome::step_limit) {
            ++stats.step_limited;
        } else {
            ended(stats, std::move(result));
        }
    }
    stats.complete = false;  // random runs prove nothing about the runs they missed
    stats.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return stats;
}

}  // namespace sgx::explore
