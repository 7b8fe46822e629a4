// Reclaimer<Counter>: the ksgxd kernel thread, its wait queue and its watermark
// check, over one EpcPool and one Enclave.
//
// Models ksgxd(), sgx_should_reclaim() and sgx_reclaim_pages() of
// arch/x86/kernel/cpu/sgx/main.c. The thread sleeps, with no timeout, until
// should_reclaim(high); then it evicts up to `scan` pages from the active
// list's head and frees their EPC pages to their home nodes, and again, until
// should_reclaim(high) turns false. Nothing else ever wakes it: a fault that
// finds every list empty calls wake() only if should_reclaim(low). So when the
// counter reads >= low (or, unsigned, below zero) while every list is empty,
// nobody wakes it and the faults spin forever: the hang this project exists to
// show. A reclaimer that also woke on a timer would turn that hang into a crawl
// of `scan` pages a tick and hide it.
//
// No wake-up is lost: run() checks its condition and goes to sleep under
// mutex_, and wake() takes mutex_ before it notifies. A waker's counter update
// happened before its lock, so either the sleeper had not yet checked (and now
// sees the update) or it is already asleep (and gets the notify).
//
// Cost: wake() is one uncontended mutex round trip, plus a futex call when the
// thread sleeps; the reclaimer takes the active-list lock once per batch and
// a node lock per page freed.
#pragma once

#include <condition_variable>
#include <latch>
#include <mutex>
#include <vector>

#include "model/enclave.hpp"
#include "model/epc_pool.hpp"
#include "model/watermark.hpp"

namespace sgx {

template <CounterStrategy Counter>
class Reclaimer {
public:
    // `slot` is the reclaimer thread's own; `leak_pages` is for tests of the
    // conservation check only: that many evicted EPC pages are dropped, never freed.
    Reclaimer(EpcPool<Counter>& pool, Enclave& enclave, Watermarks marks, Comparison how, WatermarkRead read,
              long scan, Slot slot, long long leak_pages = 0)
        : pool_(pool),
          enclave_(enclave),
          marks_(marks),
          how_(how),
          read_(read),
          slot_(slot),
          leak_left_(leak_pages),
          batch_(static_cast<std::size_t>(scan)) {}

    // models sgx_should_reclaim(): few free pages by the count, and something to evict.
    bool should_reclaim(long watermark) const noexcept {
        return pool_.should_reclaim(watermark, how_, read_) && enclave_.active_length() > 0;
    }

    bool should_wake() const noexcept { return should_reclaim(marks_.low); }

    // models wake_up(&ksgxd_waitq).
    void wake() {
        { std::lock_guard hold(mutex_); }
        wakeup_.notify_one();
    }

    // models kthread_stop(): run() returns after its current batch.
    void stop() {
        {
            std::lock_guard hold(mutex_);
            stopping_ = true;
        }
        wakeup_.notify_one();
    }

    // The thread body: models ksgxd(). `asleep` is counted down once, at the first
    // check: ksgxd is asleep long before any enclave faults, so a run's start line
    // waits for it (a late start would see the first faults and reclaim unasked).
    void run(std::latch& asleep) {
        std::latch* first_check = &asleep;
        while (wait_until_needed(first_check)) reclaim_batch();
    }

    // Read after the thread has joined.
    long long wakeups() const noexcept { return wakeups_; }
    long long pages_reclaimed() const noexcept { return pages_reclaimed_; }

private:
    // models wait_event_freezable(ksgxd_waitq, kthread_should_stop() ||
    // sgx_should_reclaim(SGX_NR_HIGH_PAGES)). False when asked to stop.
    bool wait_until_needed(std::latch*& first_check) {
        std::unique_lock hold(mutex_);
        if (first_check != nullptr) {
            // Under mutex_: a fault released by the latch can notify only once this
            // thread is waiting, so its first wake-up is not lost either.
            first_check->count_down();
            first_check = nullptr;
        }
        const auto needed = [this] { return stopping_ || should_reclaim(marks_.high); };
        if (!needed()) {
            wakeup_.wait(hold, needed);
            if (!stopping_) ++wakeups_;
        }
        return !stopping_;
    }

    // models sgx_reclaim_pages(): evict from the LRU head, free to each page's home node.
    void reclaim_batch() {
        const std::size_t taken = enclave_.evict_from_head(batch_);
        for (std::size_t index = 0; index < taken; ++index) {
            if (leak_left_ > 0) [[unlikely]] {
                --leak_left_;
                continue;
            }
            pool_.free(batch_[index], slot_);
        }
        pages_reclaimed_ += static_cast<long long>(taken);
    }

    EpcPool<Counter>& pool_;
    Enclave& enclave_;
    const Watermarks marks_;
    const Comparison how_;
    const WatermarkRead read_;
    const Slot slot_;
    long long leak_left_;
    std::vector<PageId> batch_;  // sized once, so the thread body allocates nothing

    std::mutex mutex_;  // ksgxd_waitq's lock: guards stopping_ and the sleep itself
    std::condition_variable wakeup_;
    bool stopping_ = false;

    // Written by the reclaimer thread only.
    long long wakeups_ = 0;
    long long pages_reclaimed_ = 0;
};

}  // namespace sgx
