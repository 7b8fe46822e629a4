// Reclaimer<Counter>: the ksgxd kernel thread, its wait queue and its watermark
// test, and sgx_reclaim_pages(), over one EpcPool and the run's Enclaves.
//
// Models ksgxd(), sgx_should_reclaim() and sgx_reclaim_pages() of
// arch/x86/kernel/cpu/sgx/main.c (v5.15). The thread sleeps, with no timeout,
// until should_reclaim(high): the count below `high` and the active list not
// empty. Then it calls reclaim_pages() once and tests again. Nothing wakes it
// but wake(), which sgx_alloc_epc_page() calls after every allocation that
// leaves should_reclaim(low) true (the scenario does that). So when the count
// reads >= low (or, unsigned, below zero) while every free list is empty, no
// allocation ever wakes it and the faults retry forever: the hang this project
// exists to show. A reclaimer that also woke on a timer would hide it.
//
// reclaim_pages() is reentrant, as the kernel's is: callers that allocate with
// reclaim=true (EADD, EAUG) call it themselves when the lists are empty (direct
// reclaim), each with its own chunk buffer.
//
// No wake-up is lost: run() tests its condition and goes to sleep under
// mutex_, and wake() counts itself under mutex_ before it notifies. A waker's counter update
// happened before its lock, so either the sleeper had not yet tested (and now
// sees the update) or it is already asleep (and gets the notify).
//
// Cost: wake() is one uncontended mutex round trip, plus a futex call when the
// thread sleeps; a batch takes the active-list lock once, plus once per young
// page put back, three enclave-lock round trips per page evicted and a node
// lock per page freed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <span>
#include <vector>

#include "model/enclave.hpp"
#include "model/epc_pool.hpp"
#include "model/watermark.hpp"

namespace sgx {

template <CounterStrategy Counter>
class Reclaimer {
public:
    // `slot` is the reclaimer thread's own; `leak_pages` is for tests of the
    // conservation check only: that many EPC pages ksgxd evicts are dropped, never freed.
    Reclaimer(EpcPool<Counter>& pool, Enclaves& enclaves, Watermarks marks, Comparison how, WatermarkRead read,
              long scan, Slot slot, long long leak_pages = 0)
        : pool_(pool),
          enclaves_(enclaves),
          marks_(marks),
          how_(how),
          read_(read),
          scan_(scan),
          slot_(slot),
          leak_left_(leak_pages),
          chunk_(static_cast<std::size_t>(scan)) {}

    // models sgx_should_reclaim(): few free pages by the count, and something to evict.
    bool should_reclaim(long watermark) const noexcept {
        return pool_.count_below(watermark, how_, read_) && enclaves_.active_length() > 0;
    }

    // The test sgx_alloc_epc_page() makes after an allocation.
    bool should_wake() const noexcept { return should_reclaim(marks_.low); }

    // models wake_up(&ksgxd_waitq).
    void wake() {
        {
            std::lock_guard hold(mutex_);
            ++wakes_;
        }
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
    // test: ksgxd is asleep long before any enclave faults, so a run's start line
    // waits for it (a late start would see the first faults and reclaim unasked).
    void run(std::latch& asleep) {
        std::latch* first_test = &asleep;
        while (wait_until_needed(first_test)) {
            const auto start = std::chrono::steady_clock::now();
            const long freed = reclaim_pages(chunk_, slot_, true);
            busy_ += std::chrono::steady_clock::now() - start;
            // Relaxed: a statistic, read after the threads join.
            pages_reclaimed_.fetch_add(freed, std::memory_order_relaxed);
        }
    }

    // A chunk buffer of the right size for reclaim_pages().
    std::vector<EnclavePageId> chunk_buffer() const { return std::vector<EnclavePageId>(scan_); }

    // models sgx_reclaim_pages(): isolates up to chunk.size() pages from the
    // active list's head; puts back, at the tail, each one accessed since the
    // last scan (sgx_reclaimer_age(), second chance); marks the rest
    // SGX_ENCL_PAGE_BEING_RECLAIMED under their enclave's lock, blocks them
    // (sgx_reclaimer_block(), the lock again), writes each back
    // (sgx_reclaimer_write(), the lock again, the page now evicted) and frees
    // its EPC page to its home node. Returns the pages freed.
    long reclaim_pages(std::span<EnclavePageId> chunk, Slot slot, bool may_leak = false) {
        const std::size_t taken = enclaves_.isolate_from_head(chunk);
        std::size_t kept = 0;
        for (std::size_t index = 0; index < taken; ++index) {
            const EnclavePageId page = chunk[index];
            if (enclaves_.test_and_clear_young(page)) {
                enclaves_.put_back(page);
                // Relaxed: a statistic, read after the threads join.
                young_skipped_.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            std::lock_guard hold(enclaves_.lock_of(page));
            enclaves_.mark_being_reclaimed(page);
            chunk[kept++] = page;
        }
        for (std::size_t index = 0; index < kept; ++index) {
            std::lock_guard hold(enclaves_.lock_of(chunk[index]));  // sgx_reclaimer_block(): EBLOCK, PTEs zapped
        }
        for (std::size_t index = 0; index < kept; ++index) {
            PageId epc;
            {
                std::lock_guard hold(enclaves_.lock_of(chunk[index]));
                epc = enclaves_.write_back(chunk[index]);
            }
            if (may_leak && leak_left_ > 0) [[unlikely]] {
                --leak_left_;
                continue;
            }
            pool_.free(epc, slot);
        }
        return static_cast<long>(kept);
    }

    // Returns once ksgxd is asleep with no wake-up pending (its own test was false
    // when it last looked; allocations since may have lowered the count without
    // waking it, as the kernel's), or when `interrupted()` says so,
    // asked every `poll`. The scenario calls it once the workload is over, so the
    // pages left free are those the kernel's ksgxd would leave.
    template <class Interrupted>
    void wait_until_settled(Interrupted&& interrupted, std::chrono::milliseconds poll) {
        std::unique_lock hold(mutex_);
        while (!settled_.wait_for(hold, poll, [this] { return stopping_ || (asleep_ && wakes_ == seen_); })) {
            if (interrupted()) return;
        }
    }

    // Runs check() with ksgxd asleep and held asleep (its wait-queue lock taken):
    // false without calling it when ksgxd is awake. For the scenario's hang proof.
    template <class Check>
    bool while_asleep(Check&& check) {
        std::lock_guard hold(mutex_);
        return asleep_ && check();
    }

    // Read after the thread has joined.
    long long wakeups() const noexcept { return wakeups_; }
    // Relaxed: read after every thread joined.
    long long pages_reclaimed() const noexcept { return pages_reclaimed_.load(std::memory_order_relaxed); }
    // Relaxed: read after every thread joined.
    long long young_skipped() const noexcept { return young_skipped_.load(std::memory_order_relaxed); }
    double busy_seconds() const noexcept { return std::chrono::duration<double>(busy_).count(); }

private:
    // models wait_event_freezable(ksgxd_waitq, kthread_should_stop() ||
    // sgx_should_reclaim(SGX_NR_HIGH_PAGES)). False when asked to stop.
    bool wait_until_needed(std::latch*& first_test) {
        std::unique_lock hold(mutex_);
        if (first_test != nullptr) {
            // Under mutex_: a fault released by the latch can notify only once this
            // thread is waiting, so its first wake-up is not lost either.
            first_test->count_down();
            first_test = nullptr;
        }
        const auto needed = [this] { return stopping_ || should_reclaim(marks_.high); };
        if (!needed()) {
            // As wait_event(): the condition is tested again only after a wake_up(),
            // never on a spurious return from the wait, which the kernel's has not.
            asleep_ = true;
            do {
                seen_ = wakes_;
                settled_.notify_all();
                wakeup_.wait(hold, [&] { return stopping_ || wakes_ != seen_; });
            } while (!needed());
            asleep_ = false;
            if (!stopping_) ++wakeups_;
        }
        return !stopping_;
    }

    EpcPool<Counter>& pool_;
    Enclaves& enclaves_;
    const Watermarks marks_;
    const Comparison how_;
    const WatermarkRead read_;
    const long scan_;
    const Slot slot_;
    long long leak_left_;                 // ksgxd's own batches only
    std::vector<EnclavePageId> chunk_;    // ksgxd's chunk, sized once: the thread body allocates nothing

    std::mutex mutex_;  // ksgxd_waitq's lock: guards stopping_, asleep_ and the sleep itself
    std::condition_variable wakeup_;
    std::condition_variable settled_;  // notified each time ksgxd goes to sleep
    bool stopping_ = false;
    bool asleep_ = false;  // in the wait, with its condition false when last tested
    unsigned long long wakes_ = 0;  // wake() calls: the wait returns only when this changes
    unsigned long long seen_ = 0;   // wakes_ when ksgxd last went to sleep: asleep_ and equal, nothing pending

    // Written by the reclaimer thread only, but pages_reclaimed_ by direct reclaimers too.
    long long wakeups_ = 0;
    std::chrono::steady_clock::duration busy_{};
    std::atomic<long long> pages_reclaimed_{0};
    std::atomic<long long> young_skipped_{0};
};

}  // namespace sgx
