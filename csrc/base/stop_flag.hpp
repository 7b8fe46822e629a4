// StopFlag: how a caller asks a running team of threads to stop early (Ctrl-C).
//
// Workers poll it between chunks of work, never inside a critical section, so a
// stop never leaves a page half moved: the pool stays consistent and every
// thread still joins.
#pragma once

#include <atomic>

namespace sgx {

class StopFlag {
public:
    // Relaxed: the flag publishes no data; a worker that sees it late only runs
    // one more chunk, and the join that follows orders everything else.
    void request() noexcept { requested_.store(true, std::memory_order_relaxed); }
    bool requested() const noexcept { return requested_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> requested_{false};
};

}  // namespace sgx
