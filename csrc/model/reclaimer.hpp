// Reclaimer<Counter, Queue>: ksgxd, its watermark test and sgx_reclaim_pages(),
// over one EpcPool, the run's Enclaves and ksgxd's wait queue (a policy:
// wait_queue.hpp).
//
// Models ksgxd(), sgx_should_reclaim() and sgx_reclaim_pages() of
// arch/x86/kernel/cpu/sgx/main.c (v5.15). The thread waits, with no timeout,
// until should_reclaim(high): the count below `high` and the active list not
// empty. Then, if should_reclaim(high) still holds, it calls reclaim_pages()
// once and waits again. Nothing wakes it but wake(), which
// sgx_alloc_epc_page() calls after every allocation that leaves
// should_reclaim(low) true (fault_path.hpp). So when the count reads >= low
// (or, unsigned, below zero) while every free list is empty, no allocation
// ever wakes it and the faults retry forever: the hang this project exists to
// show. A reclaimer that also woke on a timer would hide it.
//
// reclaim_pages() is reentrant, as the kernel's is: callers that allocate with
// reclaim=true (EADD, EAUG) call it themselves when the lists are empty (direct
// reclaim), each with its own chunk buffer.
//
// Cost: a batch takes the active-list lock once, plus once per young page put
// back, three enclave-lock round trips per page evicted and a node lock per
// page freed; the wait and the wake-up cost what the queue's do.
#pragma once

#include <atomic>
#include <chrono>
#include <span>
#include <vector>

#include "counters/pause.hpp"
#include "model/enclave.hpp"
#include "model/epc_pool.hpp"
#include "model/reclaim_settings.hpp"
#include "model/wait_queue.hpp"
#include "model/watermark.hpp"
#include "model/write_back_meeting.hpp"

namespace sgx {

template <CounterStrategy Counter, WaitQueue Queue>
class Reclaimer {
    using Pause = typename Counter::pause_policy;

public:
    // `slot` is ksgxd's own.
    Reclaimer(EpcPool<Counter>& pool, Enclaves<Pause>& enclaves, Queue& queue, const ReclaimSettings& settings,
              Slot slot, WriteBackMeeting& meeting)
        : pool_(pool),
          enclaves_(enclaves),
          queue_(queue),
          meeting_(meeting),
          marks_(settings.marks),
          how_(settings.comparison),
          read_(settings.watermark_read),
          scan_(settings.scan),
          slot_(slot),
          leak_left_(settings.leak_pages),
          chunk_(static_cast<std::size_t>(settings.scan)) {}

    // models sgx_should_reclaim(): few free pages by the count, and something to evict.
    bool should_reclaim(long watermark) const noexcept {
        return pool_.count_below(watermark, how_, read_) && enclaves_.active_length() > 0;
    }

    // The test sgx_alloc_epc_page() makes on its way out.
    bool should_wake() const noexcept { return should_reclaim(marks_.low); }

    // wake_up(&ksgxd_waitq), as the queue models it.
    void wake() { queue_.wake_up(); }

    // The thread body: models ksgxd(). Returns when the queue says stop (kthread_stop()).
    void run() {
        const auto needed = [this] { return should_reclaim(marks_.high); };
        while (queue_.wait_event(needed)) {
            if (!needed()) continue;  // the kernel tests again after the wait
            const auto start = model_now<Pause>();
            const long freed = reclaim_pages(chunk_, slot_, true);
            busy_ += model_now<Pause>() - start;
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
    // its EPC page to its home node. Returns the pages freed. `by_ksgxd`: ksgxd's
    // own batch, which the tests' hooks (leak_pages, meet_write_back) act on.
    long reclaim_pages(std::span<EnclavePageId> chunk, Slot slot, bool by_ksgxd = false) {
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
        if (by_ksgxd && kept > 0 && meeting_.on()) [[unlikely]] meeting_.hold_marked_batch();
        for (std::size_t index = 0; index < kept; ++index) {
            std::lock_guard hold(enclaves_.lock_of(chunk[index]));  // sgx_reclaimer_block(): EBLOCK, PTEs zapped
        }
        for (std::size_t index = 0; index < kept; ++index) {
            PageId epc;
            {
                std::lock_guard hold(enclaves_.lock_of(chunk[index]));
                epc = enclaves_.write_back(chunk[index]);
            }
            if (by_ksgxd && leak_left_ > 0) [[unlikely]] {
                --leak_left_;
                continue;
            }
            pool_.free(epc, slot);
        }
        return static_cast<long>(kept);
    }

    // Relaxed: read after every thread joined (or by a watchdog that only looks for change).
    long long pages_reclaimed() const noexcept { return pages_reclaimed_.load(std::memory_order_relaxed); }
    // Relaxed: as pages_reclaimed().
    long long young_skipped() const noexcept { return young_skipped_.load(std::memory_order_relaxed); }
    // Read after the thread has joined.
    double busy_seconds() const noexcept { return std::chrono::duration<double>(busy_).count(); }

private:
    EpcPool<Counter>& pool_;
    Enclaves<Pause>& enclaves_;
    Queue& queue_;
    WriteBackMeeting& meeting_;
    const Watermarks marks_;
    const Comparison how_;
    const WatermarkRead read_;
    const long scan_;
    const Slot slot_;
    long long leak_left_;               // ksgxd's own batches only
    std::vector<EnclavePageId> chunk_;  // ksgxd's chunk, sized once: the thread body allocates nothing

    // busy_ and pages_reclaimed_ are ksgxd's alone; young_skipped_ counts direct reclaimers' scans too.
    std::chrono::steady_clock::duration busy_{};
    std::atomic<long long> pages_reclaimed_{0};
    std::atomic<long long> young_skipped_{0};
};

}  // namespace sgx
