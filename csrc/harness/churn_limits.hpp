// The bounds every churn() caller checks: the native hammer for each worker's
// whole share, AnyPool::churn (the Python engine) for each chunk. One place, so
// both engines accept exactly the same workloads and say so in the same words.
#pragma once

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

}  // namespace sgx
