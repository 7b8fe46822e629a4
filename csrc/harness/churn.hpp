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

// Where one thread churns: its pool, its own node and slot, the work between
// two operations, the flag it polls, and its page buffer (a batch's worth).
// One value, built once per worker, handed to every churn function.
template <CounterStrategy Counter>
struct ChurnSite {
    EpcPool<Counter>& pool;
    unsigned local;          // the thread's own node, the model's numa_node_id()
    Slot slot;               // whose per-thread counter state its updates use (slot.hpp)
    long long work;          // busy-loop turns between two operations
    const StopFlag& stop;
    std::span<PageId> held;  // the caller's buffer; its size is the batch
};

// Both loops let SoftLockupError (a CPU-only worker, the v5.13 search, every list
// empty) leave with no page of theirs still out; the try costs nothing until it throws.
// Batches of one: each page is freed right after it was allocated.
template <CounterStrategy Counter>
Tally churn_pairs(ChurnSite<Counter> site, long long iterations) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const PageId page = site.pool.alloc(site.local, site.slot);
        busy_work(site.work, site.stop);
        if (page != kNoPage) [[likely]] {
            site.pool.free(page, site.slot);
            busy_work(site.work, site.stop);
            tally.ops += 2;
        } else {
            ++tally.alloc_failures;
            ++tally.ops;
        }
    }
    return tally;
}

// The phased hammer's first half of one iteration (and churn_batches' too):
// allocates `site.held.size()` pages (fewer if the pool runs dry) into the
// buffer, and returns how many it kept, its operations counted in `tally`. A
// stop ends the allocations early (a look per operation costs nothing next to
// holding a batch); a SoftLockupError (a CPU-only worker, v5.13's search, every
// list empty) gives the batch so far back before it leaves: no page is lost.
template <CounterStrategy Counter>
std::size_t alloc_phase(ChurnSite<Counter> site, Tally& tally) {
    std::size_t kept = 0;
    std::size_t tried = 0;
    for (; tried < site.held.size() && !site.stop.requested(); ++tried) {
        PageId page;
        try {
            page = site.pool.alloc(site.local, site.slot);
        } catch (const SoftLockupError&) {
            for (std::size_t index = 0; index < kept; ++index) site.pool.free(site.held[index], site.slot);
            throw;
        }
        if (page != kNoPage) [[likely]] {
            site.held[kept++] = page;
        } else {
            ++tally.alloc_failures;
        }
        busy_work(site.work, site.stop);
    }
    tally.ops += static_cast<long long>(tried);
    return kept;
}

// The second half: frees every page in `pages`, even when one free throws
// (another thread freed a page we hold: DoubleFreeError): the rest would
// otherwise stay allocated with no owner. The first error is rethrown once every
// other page is back. A stop skips the work between frees, never a free.
template <CounterStrategy Counter>
void free_phase(ChurnSite<Counter> site, std::span<const PageId> pages, Tally& tally) {
    std::exception_ptr first_error;
    for (const PageId page : pages) {
        try {
            site.pool.free(page, site.slot);
        } catch (...) {
            if (!first_error) first_error = std::current_exception();
        }
        busy_work(site.work, site.stop);
    }
    tally.ops += static_cast<long long>(pages.size());
    if (first_error) [[unlikely]]
        std::rethrow_exception(first_error);
}

// Larger batches: hold a buffer's worth of pages (fewer if the pool runs dry),
// then free them all: the phased hammer's two halves with no barrier between
// them. Every page taken goes back even after a stop: one iteration of 2^16
// pages and 2^30 turns of work would otherwise run for hours after Ctrl-C.
template <CounterStrategy Counter>
Tally churn_batches(ChurnSite<Counter> site, long long iterations) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        const std::size_t kept = alloc_phase(site, tally);
        free_phase(site, std::span<const PageId>(site.held.data(), kept), tally);
        if (site.stop.requested()) break;
    }
    return tally;
}

template <CounterStrategy Counter>
Tally churn(ChurnSite<Counter> site, long long iterations) {
    if (site.held.size() == 1) return churn_pairs(site, iterations);
    return churn_batches(site, iterations);
}

// A team worker's share: `iterations` of churn() in slices of `per_check`, with
// a look at the stop flag between two slices (and, for long work or large
// batches, between two operations inside one: never inside an operation, so a
// stop leaves no page half moved). The hammer's and the read-cost run's
// workers, and Pool.churn() from Python, all run this.
template <CounterStrategy Counter>
Tally churn_until_stopped(ChurnSite<Counter> site, long long iterations, long long per_check) {
    Tally total;
    for (long long left = iterations; left > 0 && !site.stop.requested(); left -= per_check) {
        total += churn(site, std::min(left, per_check));
    }
    return total;
}

}  // namespace sgx
