// The PCT chooser; see pct.hpp.
#include "explore/pct.hpp"

#include <bit>

namespace sgx::explore {

void Pct::start_run(std::uint64_t run) {
    // One stream per (seed, run), started from a hash of each: streams that began at
    // nearby raw states would be the same sequence shifted by a few draws.
    SplitMix64 seed_hash(seed_);
    SplitMix64 run_hash(run ^ 0x5851f42d4c957f2dULL);
    SplitMix64 random(seed_hash.next() ^ run_hash.next());

    // Distinct starting priorities d .. d+n-1, in random order (Fisher-Yates).
    for (unsigned thread = 0; thread < threads_; ++thread) priority_[thread] = depth_ + thread;
    for (unsigned thread = threads_; thread > 1; --thread) {
        const auto other = static_cast<unsigned>(random.below(thread));
        std::swap(priority_[thread - 1], priority_[other]);
    }
    // d-1 change points, each uniform in 1 .. k.
    change_at_.assign(static_cast<std::size_t>(depth_ - 1), 0);
    for (long& at : change_at_) at = 1 + static_cast<long>(random.below(static_cast<std::uint64_t>(steps_)));
    decisions_ = 0;
}

// PCT looks only at who may move.
unsigned Pct::choose(std::uint32_t enabled, unsigned /*running*/, bool /*running_can_go_on*/, Footprint /*ended*/) {
    ++decisions_;
    unsigned chosen = kAbandon;
    for (std::uint32_t rest = enabled; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if (chosen == kAbandon || priority_[thread] > priority_[chosen]) chosen = thread;
    }
    if (chosen == kAbandon) return kAbandon;
    // The thread that makes decision k_i drops to priority i: below every starting one.
    for (std::size_t point = 0; point < change_at_.size(); ++point) {
        if (change_at_[point] == decisions_) priority_[chosen] = static_cast<long>(point + 1);
    }
    return chosen;
}

}  // namespace sgx::explore
