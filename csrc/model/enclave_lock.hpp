// EnclaveLock: one enclave's mutex (struct sgx_encl's lock), with the kernel
// mutex's hand-off to a waiter.
//
// sgx_vma_fault() holds encl->lock across a whole fault, allocation included;
// the reclaimer takes it per page while it writes the page back. A fault that
// gets -EBUSY drops the lock, returns to user space and faults again at once, so
// a plain mutex would let the retrying thread take it straight back, again and
// again, and starve the reclaimer the retry is waiting for. The kernel's mutex
// hands the lock to a waiter that has waited too long (MUTEX_FLAG_HANDOFF);
// here a retrying thread calls yield_to_waiters() after unlocking, which waits
// until a waiter that was queued has had the lock once.
//
// Cost: an uncontended lock() is a std::mutex lock plus two relaxed updates on
// the lock's own cache line.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "base/padded.hpp"

namespace sgx {

class EnclaveLock {
public:
    void lock() {
        // Relaxed: a hint for yield_to_waiters(), which only decides whether to wait.
        waiting_.fetch_add(1, std::memory_order_relaxed);
        mutex_.lock();
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        // Relaxed: only counts hand-overs; the mutex orders everything it guards.
        taken_.store(taken_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    void unlock() { mutex_.unlock(); }

    // Called unlocked, by a thread about to lock again: if someone was waiting
    // when we unlocked, let one of them take the lock first (or `give_up()` say stop).
    template <class GiveUp>
    void yield_to_waiters(unsigned long long taken_when_unlocked, GiveUp&& give_up) const {
        // Relaxed, both: a stale value costs one more spin or one less hand-over.
        while (waiting_.load(std::memory_order_relaxed) > 0 &&
               taken_.load(std::memory_order_relaxed) == taken_when_unlocked && !give_up()) {
            std::this_thread::yield();
        }
    }

    // How many times the lock was taken; read by the holder just before it unlocks.
    unsigned long long taken() const noexcept { return taken_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    std::atomic<int> waiting_{0};
    std::atomic<unsigned long long> taken_{0};
};

}  // namespace sgx
