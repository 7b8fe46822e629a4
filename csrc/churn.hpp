// churn(): one thread's traffic on a pool, the loop every engine runs. Each
// iteration allocates a batch of pages from the thread's local node (falling
// back to the others as the kernel does), then frees them; `work` turns of an
// empty loop between operations model the code a real fault path runs between
// two allocations, and so set how often two threads' counter updates collide.
#pragma once

#include <span>

#include "epc_pool.hpp"

namespace sgx {

struct Tally {
    long long ops = 0;             // allocation attempts plus frees
    long long alloc_failures = 0;  // attempts that found every list empty
};

// About one cycle a turn; the empty volatile asm keeps the compiler from
// deleting or merging the loop, and touches no memory.
inline void busy_work(long long turns) noexcept {
    for (long long turn = 0; turn < turns; ++turn) asm volatile("");
}

template <CounterStrategy Counter>
Tally churn(EpcPool<Counter>& pool, unsigned local, long long iterations, std::span<PageId> held, long long work) {
    Tally tally;
    for (long long iteration = 0; iteration < iterations; ++iteration) {
        std::size_t kept = 0;
        for (std::size_t slot = 0; slot < held.size(); ++slot) {
            const PageId page = pool.alloc(local);
            if (page != kNoPage) [[likely]] {
                held[kept++] = page;
            } else {
                ++tally.alloc_failures;
            }
            busy_work(work);
        }
        for (std::size_t slot = 0; slot < kept; ++slot) {
            pool.free(held[slot]);
            busy_work(work);
        }
        tally.ops += static_cast<long long>(held.size() + kept);
    }
    return tally;
}

}  // namespace sgx
