// DriftWalk: the reclaim scenario's samples of the count against the truth, one
// per walk interval and one at the end, each read with every node lock held:
// for the strategies that update inside the node lock that is one instant with
// no update in flight; the others may show one update in flight per thread.
// Written by the watchdog (the calling thread) only.
#pragma once

#include <cstddef>
#include <vector>

namespace sgx {

inline constexpr std::size_t kMaxWalkSamples = std::size_t{1} << 22;  // then the walk stops: 160 MiB at most

struct DriftWalk {
    std::vector<double> seconds;  // since the start line
    std::vector<long long> touches;
    std::vector<long> counter;  // the cheap read
    std::vector<long> exact;    // the exact read
    std::vector<long> free;     // pages on the free lists

    // One point, taken under every node lock of `pool`. Stops adding points at kMaxWalkSamples.
    template <class Pool>
    void sample(double at, long long touched, const Pool& pool) {
        if (seconds.size() >= kMaxWalkSamples) return;
        long count = 0;
        long best = 0;
        long free_pages = 0;
        pool.with_lists_locked([&](long listed) {
            count = pool.counter();
            best = pool.exact_count();
            free_pages = listed;
            return true;
        });
        seconds.push_back(at);
        touches.push_back(touched);
        counter.push_back(count);
        exact.push_back(best);
        free.push_back(free_pages);
    }
};

}  // namespace sgx
