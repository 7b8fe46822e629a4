// The bounds every churn() caller checks: the native hammer for each worker's
// whole share, AnyPool::churn (the Python engine) for each chunk. One place, so
// both engines accept exactly the same workloads and say so in the same words.
#pragma once

#include <algorithm>

#include "base/errors.hpp"

namespace sgx {

// A caller holds a buffer of `batch` page ids: at most 256 KiB a thread.
inline constexpr long long kMaxBatch = 1LL << 16;
// Days of work at any speed, and far from overflowing a tally.
inline constexpr long long kMaxOps = 1LL << 50;
inline constexpr long long kMaxWork = 1LL << 30;

// Throws std::invalid_argument naming the first bad field.
inline void check_churn_limits(long long ops, long long batch, long long work) {
    check_range("ops", ops, 1, kMaxOps);
    check_range("batch", batch, 1, kMaxBatch);
    check_range("work", work, 0, kMaxWork);
}

// Whole alloc-then-free iterations of `batch` pages that cover `ops` operations
// (rounded up, so at least one).
inline long long churn_iterations(long long ops, long long batch) noexcept { return (ops + 2 * batch - 1) / (2 * batch); }

// Iterations of churn() between two looks at a StopFlag, per thread of a team of
// `threads`: the whole team runs about 2^22 turns of work between two looks
// (counting an operation as ~32 turns), a few milliseconds on any number of
// CPUs, so a stop is seen soon even by 1,024 threads sharing two cores. An
// iteration longer than that (huge batch or work) is cut short inside
// (churn_batches, busy_work).
inline long long churn_iterations_per_stop_check(long long batch, long long work, long long threads) noexcept {
    constexpr long long kTurnsPerCheck = 1LL << 22;
    constexpr long long kTurnsPerOperation = 32;
    return std::max(1LL, kTurnsPerCheck / (2 * batch * (work + kTurnsPerOperation) * threads));
}

}  // namespace sgx
