// EnclaveLock<Pause>: one enclave's mutex (struct sgx_encl's lock), with the
// kernel mutex's hand-off to a waiter.
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
// lock() and unlock() are pause points (counters/pause.hpp) on
// ModelShared::enclave_lock: nothing with NoPause; under the explorer's
// scheduler a held enclave lock is a thread that cannot move, never a thread
// blocked inside the mutex, so the real mutex below is always free when taken.
//
// Cost: an uncontended lock() is a std::mutex lock plus two relaxed updates on
// the lock's own cache line.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "counters/pause.hpp"
#include "model/shared_objects.hpp"

namespace sgx {

template <class Pause>
class EnclaveLock {
public:
    void lock() {
        Pause::at(Access::lock, ModelShared::enclave_lock, enclave_, *this);
        // Relaxed: a hint for yield_to_waiters(), which only decides whether to wait.
        waiting_.fetch_add(1, std::memory_order_relaxed);
        mutex_.lock();
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        // Relaxed: only counts hand-overs; the mutex orders everything it guards.
        taken_.store(taken_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    void unlock() {
        Pause::at(Access::unlock, ModelShared::enclave_lock, enclave_, *this);
        mutex_.unlock();
    }

    // Which enclave's lock this is, as pause points name it; set once, before any thread runs.
    void number(unsigned enclave) noexcept { enclave_ = enclave; }

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
    // Relaxed: the holder reads the count its own lock() stored.
    unsigned long long taken() const noexcept { return taken_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    std::atomic<int> waiting_{0};
    std::atomic<unsigned long long> taken_{0};
    unsigned enclave_ = 0;
};

}  // namespace sgx
