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
#include <exception>
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

// Turns of busy work between two looks at the StopFlag: tens of microseconds,
// so even `work` of 2^30 turns (about a second) ends soon after a stop.
inline constexpr long long kTurnsPerStopLook = 1LL << 16;

// About one cycle a turn; the empty volatile asm keeps the compiler from
// deleting or merging the loop, and touches no memory. Long waits look at
// `stop` every kTurnsPerStopLook turns and end early once it is raised: the
// work models time between two operations, so cutting it short after a stop
// moves no page. Short ones (every realistic setting) never look at it.
inline void busy_work(long long turns, const StopFlag& stop) noexcept {
    for (; turns > kTurnsPerStopLook; turns -= kTurnsPerStopLook) {
        if (stop.requested()) [[unlikely]]
            return;
        for (long long turn = 0; turn < kTurnsPerStopLook; ++turn) asm volatile("");
    }
    for (long long turn = 0; turn < turns; ++turn) asm volatile("");
}

// Both loops let SoftLockupError (a CPU-only worker, the v5.13 search, every list
// empty) leave with no page of theirs still out; the try costs nothing until it throws.
// Batches of one: each page is freed right after it was allocated.
template <CounterStrategy Counter>
Tally churn_pairs(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, long long work,
                  const StopFlag& stop) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const PageId page = pool.alloc(local, slot);
        busy_work(work, stop);
        if (page != kNoPage) [[likely]] {
            pool.free(page, slot);
            busy_work(work, stop);
            tally.ops += 2;
        } else {
            ++tally.alloc_failures;
            ++tally.ops;
        }
    }
    return tally;
}

// The phased hammer's first half of one iteration (and churn_batches' too):
// allocates `held.size()` pages (fewer if the pool runs dry) into `held`, and
// returns how many it kept, its operations counted in `tally`. A stop ends the
// allocations early (a look per operation costs nothing next to holding a
// batch); a SoftLockupError (a CPU-only worker, v5.13's search, every list
// empty) gives the batch so far back before it leaves: no page is lost.
template <CounterStrategy Counter>
std::size_t alloc_phase(EpcPool<Counter>& pool, unsigned local, Slot slot, std::span<PageId> held, long long work,
                        Tally& tally, const StopFlag& stop) {
    std::size_t kept = 0;
    std::size_t tried = 0;
    for (; tried < held.size() && !stop.requested(); ++tried) {
        PageId page;
        try {
            page = pool.alloc(local, slot);
        } catch (const SoftLockupError&) {
            for (std::size_t index = 0; index < kept; ++index) pool.free(held[index], slot);
            throw;
        }
        if (page != kNoPage) [[likely]] {
            held[kept++] = page;
        } else {
            ++tally.alloc_failures;
        }
        busy_work(work, stop);
    }
    tally.ops += static_cast<long long>(tried);
    return kept;
}

// The second half: frees every page in `pages`, even when one free throws
// (another thread freed a page we hold: DoubleFreeError): the rest would
// otherwise stay allocated with no owner. The first error is rethrown once every
// other page is back. A stop skips the work between frees, never a free.
template <CounterStrategy Counter>
void free_phase(EpcPool<Counter>& pool, Slot slot, std::span<const PageId> pages, long long work, Tally& tally,
                const StopFlag& stop) {
    std::exception_ptr first_error;
    for (const PageId page : pages) {
        try {
            pool.free(page, slot);
        } catch (...) {
            if (!first_error) first_error = std::current_exception();
        }
        busy_work(work, stop);
    }
    tally.ops += static_cast<long long>(pages.size());
    if (first_error) [[unlikely]]
        std::rethrow_exception(first_error);
}

// Larger batches: hold `held.size()` pages (fewer if the pool runs dry), then
// free them all: the phased hammer's two halves with no barrier between them.
// Every page taken goes back even after a stop: one iteration of 2^16 pages and
// 2^30 turns of work would otherwise run for hours after Ctrl-C.
template <CounterStrategy Counter>
Tally churn_batches(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, std::span<PageId> held,
                    long long work, const StopFlag& stop) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const std::size_t kept = alloc_phase(pool, local, slot, held, work, tally, stop);
        free_phase(pool, slot, std::span<const PageId>(held.data(), kept), work, tally, stop);
        if (stop.requested()) break;
    }
    return tally;
}

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

// `held` is the caller's buffer; its size is the batch.
template <CounterStrategy Counter>
Tally churn(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations, std::span<PageId> held,
            long long work, const StopFlag& stop) {
    if (held.size() == 1) return churn_pairs(pool, local, slot, iterations, work, stop);
    return churn_batches(pool, local, slot, iterations, held, work, stop);
}

// A team worker's share: `iterations` of churn() in slices of `per_check`, with
// a look at `stop` between two slices (and, for long work or large batches,
// between two operations inside one: never inside an operation, so a stop
// leaves no page half moved). The hammer's and the read-cost run's workers, and
// Pool.churn() from Python, all run this.
template <CounterStrategy Counter>
Tally churn_until_stopped(EpcPool<Counter>& pool, unsigned local, Slot slot, long long iterations,
                          long long per_check, std::span<PageId> held, long long work, const StopFlag& stop) {
    Tally total;
    for (long long left = iterations; left > 0 && !stop.requested(); left -= per_check) {
        total += churn(pool, local, slot, std::min(left, per_check), held, work, stop);
    }
    return total;
}

}  // namespace sgx
