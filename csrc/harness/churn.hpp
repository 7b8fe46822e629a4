// churn(): one thread's traffic on a pool, the loop every engine runs. Each
// iteration allocates a batch of pages from the thread's local node (falling
// back to the others as the kernel does), then frees them; `work` turns of an
// empty loop between operations model the code a real fault path runs between
// two allocations, and so set how often two threads' counter updates collide.
//
// Cost: the loop's own bookkeeping sits between two counter updates, and with a
// contended counter every extra nanosecond there changes how often the counter's
// cache line moves. Batches of one (the default) therefore take a loop with no
// buffer at all, which keeps the hammer level with a bare alloc/free loop
// (bench/native_overhead.py measures it).
#pragma once

#include <algorithm>
#include <span>

#include "base/errors.hpp"
#include "base/stop_flag.hpp"
#include "model/epc_pool.hpp"

namespace sgx {

struct Tally {
    long long ops = 0;             // allocation attempts plus frees
    long long alloc_failures = 0;  // attempts that found every list empty

    Tally& operator+=(const Tally& other) noexcept {
        ops += other.ops;
        alloc_failures += other.alloc_failures;
        return *this;
    }
};

// About one cycle a turn; the empty volatile asm keeps the compiler from
// deleting or merging the loop, and touches no memory.
inline void busy_work(long long turns) noexcept {
    for (long long turn = 0; turn < turns; ++turn) asm volatile("");
}

// Both loops let SoftLockupError (a CPU-only worker, the v5.13 search, every list
// empty) leave with no page of theirs still out; the try costs nothing until it throws.

// Batches of one: each page is freed right after it was allocated.
template <CounterStrategy Counter>
Tally churn_pairs(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, long long work) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const PageId page = pool.alloc(local, slot);
        busy_work(work);
        if (page != kNoPage) [[likely]] {
            pool.free(page, slot);
            busy_work(work);
            tally.ops += 2;
        } else {
            ++tally.alloc_failures;
            ++tally.ops;
        }
    }
    return tally;
}

// The phased hammer's two halves of one iteration, run with a barrier between
// them so that each phase changes the counter in one direction only. Allocates
// `held.size()` pages (fewer if the pool runs dry) into `held`; returns how
// many it kept, its operations counted in `tally`.
template <CounterStrategy Counter>
std::size_t alloc_phase(EpcPool<Counter>& pool, unsigned local, Slot slot, std::span<PageId> held, long long work,
                        Tally& tally) {
    std::size_t kept = 0;
    for (std::size_t wanted = 0; wanted < held.size(); ++wanted) {
        PageId page;
        try {
            page = pool.alloc(local, slot);
        } catch (const SoftLockupError&) {
            // The batch so far goes back before the lockup is reported: no page is lost.
            for (std::size_t index = 0; index < kept; ++index) pool.free(held[index], slot);
            throw;
        }
        if (page != kNoPage) [[likely]] {
            held[kept++] = page;
        } else {
            ++tally.alloc_failures;
        }
        busy_work(work);
    }
    tally.ops += static_cast<long long>(held.size());
    return kept;
}

// Frees every page in `pages`: the phased hammer's second half.
template <CounterStrategy Counter>
void free_phase(EpcPool<Counter>& pool, Slot slot, std::span<const PageId> pages, long long work, Tally& tally) {
    for (const PageId page : pages) {
        pool.free(page, slot);
        busy_work(work);
    }
    tally.ops += static_cast<long long>(pages.size());
}

// Larger batches: hold `held.size()` pages (fewer if the pool runs dry), then free them all:
// the phased hammer's two halves with no barrier between them.
template <CounterStrategy Counter>
Tally churn_batches(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, std::span<PageId> held,
                    long long work) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const std::size_t kept = alloc_phase(pool, local, slot, held, work, tally);
        free_phase(pool, slot, std::span<const PageId>(held.data(), kept), work, tally);
    }
    return tally;
}

// Iterations of churn() between two looks at a StopFlag: a few milliseconds of work.
inline long long churn_iterations_per_stop_check(long long batch, long long work) noexcept {
    // About 2^22 turns of work, counting an operation as ~32 turns.
    constexpr long long kTurnsPerCheck = 1LL << 22;
    constexpr long long kTurnsPerOperation = 32;
    return std::max(1LL, kTurnsPerCheck / (2 * batch * (work + kTurnsPerOperation)));
}

// `held` is the caller's buffer; its size is the batch.
template <CounterStrategy Counter>
Tally churn(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, std::span<PageId> held, long long work) {
    if (held.size() == 1) return churn_pairs(pool, local, slot, iterations, work);
    return churn_batches(pool, local, slot, iterations, held, work);
}

// A team worker's share: `iterations` of churn() in slices of `per_check`, with
// a look at `stop` between two slices and never inside one, so a stop leaves no
// page half moved. The hammer's and the read-cost run's workers both run this.
template <CounterStrategy Counter>
Tally churn_until_stopped(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations,
                          long long per_check, std::span<PageId> held, long long work, const StopFlag& stop) {
    Tally total;
    for (long long left = iterations; left > 0 && !stop.requested(); left -= per_check) {
        total += churn(pool, local, slot, std::min(left, per_check), held, work);
    }
    return total;
}

}  // namespace sgx
