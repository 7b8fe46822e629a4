// FaultPath<Counter, Queue>: THE fault path, written once: sgx_alloc_epc_page(),
// the fault (sgx_vma_fault() and user space faulting again), removal
// (sgx_encl_remove_pages()) and EADD's allocation, and the worker's passes over
// its share of the enclave pages that drive them. The threaded scenario
// (scenario/reclaim_team.hpp) runs it on real threads with a real wait queue;
// the explorer (explore/reclaim_run.hpp) runs the very same code under its
// scheduler, with its wait queue and pause points. Only the policies differ:
// the counter's pause policy (counters/pause.hpp) and ksgxd's wait queue
// (wait_queue.hpp).
//
// As the kernel's (arch/x86/kernel/cpu/sgx/, v5.15): a fault holds its
// enclave's lock for the whole fault; a page the reclaimer is writing back
// gives -EBUSY; an evicted page is loaded with sgx_alloc_epc_page(page, false),
// which returns -ENOMEM (FaultEnd::out_of_memory) when the free lists and the
// active list are all empty, -EBUSY when only the free lists are, and after any
// outcome but -ENOMEM wakes ksgxd if sgx_should_reclaim(low) (a successful
// allocation too). On -EBUSY the lock is dropped and user space faults on the
// same address again: a fair retry, which lets a waiter for the lock have it
// first (enclave_lock.hpp) and is the `retry` pause point a scheduler yields at.
// With direct_reclaim the allocation is made with reclaim=true instead, as EADD
// and EAUG do, outside the enclave's lock: the caller then reclaims pages itself
// whenever the lists are empty. With remove_last_pass the last pass removes each
// page (load it if evicted, take it off the active list, -EBUSY if the
// reclaimer holds it, free its EPC page).
//
// A worker on a node without EPC searches the mask as the pool's node search
// says; with the v5.13 search and every list empty its allocation never
// returns in the kernel, and here it ends as FaultEnd::soft_lockup
// (lockup_node() says where).
//
// Cost: a hit is one relaxed load (plus a fetch_or after an aging scan) and one
// relaxed store on the worker's own cache line; a fault adds the enclave lock,
// an allocation, the wake-up test (one counter read) and one active-list lock
// round trip.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "base/errors.hpp"
#include "base/stop_flag.hpp"
#include "counters/pause.hpp"
#include "model/enclave.hpp"
#include "model/epc_pool.hpp"
#include "model/fault_caller.hpp"
#include "model/reclaim_settings.hpp"
#include "model/reclaimer.hpp"
#include "model/wait_queue.hpp"
#include "model/write_back_meeting.hpp"

namespace sgx {

template <CounterStrategy Counter, WaitQueue Queue>
class FaultPath {
    using Pause = typename Counter::pause_policy;
    using Clock = std::chrono::steady_clock;

public:
    // `stop` is the run's: raised, every caller returns FaultEnd::stopped at its next chance.
    FaultPath(EpcPool<Counter>& pool, Enclaves<Pause>& enclaves, Reclaimer<Counter, Queue>& reclaimer,
              const ReclaimSettings& settings, const StopFlag& stop, WriteBackMeeting& meeting)
        : pool_(pool), enclaves_(enclaves), reclaimer_(reclaimer), settings_(settings), stop_(stop), meeting_(meeting) {}

    // One worker's workload: `passes` passes over [first, last). A touch of a
    // present page hits; any other faults (or is added, with direct_reclaim);
    // the last pass removes each page when remove_last_pass. `touched` counts
    // the touches completed, for a watchdog.
    FaultEnd work(FaultCaller& self, EnclavePageId first, EnclavePageId last, std::atomic<long long>& touched) {
        long long count = 0;
        for (long long pass = 0; pass < settings_.passes; ++pass) {
            const bool removing = settings_.remove_last_pass && pass + 1 == settings_.passes;
            if (pass == 1 && meeting_.on() && !meeting_.wait_for_marked_batch()) [[unlikely]] return FaultEnd::stopped;
            for (EnclavePageId page = first; page < last; ++page) {
                if (stop_.requested()) return FaultEnd::stopped;
                FaultEnd end = FaultEnd::served;
                if (removing) {
                    end = retry_until_served(page, self, [&] { return remove_page(page, self); });
                } else if (!enclaves_.touch(page)) {
                    end = fault_in(page, self);
                }
                if (end != FaultEnd::served) return end;
                // Relaxed: a count for the watchdog, which only looks for change.
                touched.store(++count, std::memory_order_relaxed);
            }
        }
        return FaultEnd::served;
    }

    // A touch that faulted.
    FaultEnd fault_in(EnclavePageId page, FaultCaller& self) {
        if (settings_.direct_reclaim) return add_page(page, self);
        return retry_until_served(page, self, [&] { return load_page(page, self); });
    }

    // models sgx_alloc_epc_page(owner, reclaim). kNoPage with self.failure set
    // when it gives no page. The wake-up test follows every outcome but -ENOMEM.
    PageId alloc_epc_page(FaultCaller& self, bool reclaim) {
        PageId epc;
        for (;;) {
            try {
                epc = pool_.alloc(self.local, self.slot);
            } catch (const SoftLockupError& lockup) {
                // The v5.13 search from a CPU-only node, every list empty: the kernel
                // would spin here for good and never reach the wake-up below.
                long long none = -1;
                // Relaxed: read after the joins, like the verdict.
                lockup_node_.compare_exchange_strong(none, lockup.node, std::memory_order_relaxed);
                self.failure = Attempt::soft_lockup;
                return kNoPage;
            }
            if (epc != kNoPage) [[likely]] {
                if (self.waiting) [[unlikely]] publish(self, Phase::running);
                break;
            }
            if (enclaves_.active_length() == 0) [[unlikely]] {
                self.failure = Attempt::out_of_memory;  // -ENOMEM: nothing to reclaim, no wake-up
                return kNoPage;
            }
            if (!reclaim || stop_.requested()) {
                self.failure = Attempt::busy;  // -EBUSY, or signal_pending(): -ERESTARTSYS
                break;
            }
            self.tally.reclaimed += reclaimer_.reclaim_pages(self.chunk, self.slot);
        }
        const bool waits = epc == kNoPage && !reclaim;
        // A waiting caller whose test may yet wake ksgxd is not waiting until it has.
        if (waits && self.waiting) publish(self, Phase::running);
        if (reclaimer_.should_wake()) {
            ++self.tally.wakes;
            reclaimer_.wake();
        }
        if (waits) publish(self, Phase::waiting_for_page);
        return epc;
    }

    // models sgx_encl_load_page() from the fault path, under the enclave's lock.
    Attempt load_page(EnclavePageId page, FaultCaller& self) {
        switch (enclaves_.state(page)) {
            case EnclavePageState::being_reclaimed:  // SGX_ENCL_PAGE_BEING_RECLAIMED
                ++self.tally.busy_being_reclaimed;
                meeting_.met();
                return Attempt::busy;
            case EnclavePageState::resident: return Attempt::served;  // served meanwhile: a touch now hits
            case EnclavePageState::removed: return Attempt::served;
            case EnclavePageState::evicted: break;
        }
        const PageId epc = alloc_epc_page(self, false);
        if (epc == kNoPage) return self.failure;
        enclaves_.make_resident(page, epc, settings_.fault_leaves_young);  // sgx_encl_eldu() + sgx_mark_page_reclaimable()
        ++self.tally.faults;
        return Attempt::served;
    }

    // models sgx_encl_remove_pages() for one page, under the enclave's lock.
    Attempt remove_page(EnclavePageId page, FaultCaller& self) {
        switch (enclaves_.state(page)) {
            case EnclavePageState::removed: return Attempt::served;
            case EnclavePageState::being_reclaimed:
                ++self.tally.busy_being_reclaimed;
                meeting_.met();
                return Attempt::busy;
            case EnclavePageState::resident: break;
            case EnclavePageState::evicted: {
                const Attempt loaded = load_page(page, self);
                if (loaded != Attempt::served) return loaded;
                break;
            }
        }
        if (!enclaves_.unmark_reclaimable(page)) return Attempt::busy;  // the reclaimer has isolated it
        pool_.free(enclaves_.remove(page), self.slot);  // sgx_encl_free_epc_page(): EREMOVE, sgx_free_epc_page()
        ++self.tally.removed;
        return Attempt::served;
    }

    // models sgx_ioc_enclave_add_pages()' allocation: sgx_alloc_epc_page(page,
    // true) before the enclave's lock is taken (the reclaim it may do takes
    // enclave locks itself), then the page installed under the lock. A page the
    // reclaimer still holds gets the EPC page back and is tried again.
    FaultEnd add_page(EnclavePageId page, FaultCaller& self) {
        for (;;) {
            const PageId epc = alloc_epc_page(self, true);
            if (epc == kNoPage) {
                if (self.failure == Attempt::out_of_memory) return FaultEnd::out_of_memory;
                if (self.failure == Attempt::soft_lockup) return FaultEnd::soft_lockup;
                return FaultEnd::stopped;  // -ERESTARTSYS
            }
            EnclavePageState found;
            {
                std::lock_guard hold(enclaves_.lock_of(page));
                found = enclaves_.state(page);
                if (found == EnclavePageState::evicted) {
                    enclaves_.make_resident(page, epc, settings_.fault_leaves_young);
                    ++self.tally.faults;
                    return FaultEnd::served;
                }
            }
            pool_.free(epc, self.slot);
            if (found != EnclavePageState::being_reclaimed) return FaultEnd::served;
            if (stop_.requested()) return FaultEnd::stopped;
            Pause::at(Access::retry, Shared::none, self.slot, enclaves_.lock_of(page));
            std::this_thread::yield();
        }
    }

    // User space faulting on one address until the kernel serves it: each
    // attempt runs under the enclave's lock; after -EBUSY the lock is dropped,
    // handed to a waiter (enclave_lock.hpp), and the fault comes again.
    template <class AttemptOnce>
    FaultEnd retry_until_served(EnclavePageId page, FaultCaller& self, AttemptOnce&& attempt_once) {
        typename Enclaves<Pause>::Lock& lock = enclaves_.lock_of(page);
        Clock::time_point first_failure{};
        for (long long retries = 0;; ++retries) {
            Attempt result;
            unsigned long long taken;
            {
                std::lock_guard hold(lock);
                result = attempt_once();
                taken = lock.taken();
            }
            if (result == Attempt::served) [[likely]] {
                if (retries > 0) [[unlikely]] settle(self, retries, model_now<Pause>() - first_failure);
                return FaultEnd::served;
            }
            if (result == Attempt::out_of_memory || result == Attempt::soft_lockup) [[unlikely]] {
                settle(self, retries, Clock::duration{});
                return result == Attempt::out_of_memory ? FaultEnd::out_of_memory : FaultEnd::soft_lockup;
            }
            if (retries == 0) first_failure = model_now<Pause>();
            // Relaxed: a flag a watchdog only needs to see eventually.
            if (retries == settings_.max_retries) [[unlikely]] retry_limit_hit_.store(true, std::memory_order_relaxed);
            if (stop_.requested()) [[unlikely]] {
                settle(self, retries, model_now<Pause>() - first_failure);
                return FaultEnd::stopped;
            }
            // -EBUSY: back to user space, which faults on the same address again.
            Pause::at(Access::retry, Shared::none, self.slot, lock);
            lock.yield_to_waiters(taken, [this] { return stop_.requested(); });
        }
    }

    // Some fault was retried more than max_retries times.
    // Relaxed: a flag; whoever acts on it reads the state under its locks.
    bool retry_limit_hit() const noexcept { return retry_limit_hit_.load(std::memory_order_relaxed); }

    // The CPU-only node of the first caller that locked up; -1: none. Read after the joins.
    // Relaxed: the joins order it.
    long long lockup_node() const noexcept { return lockup_node_.load(std::memory_order_relaxed); }

private:
    static void settle(FaultCaller& self, long long retries, Clock::duration waited) noexcept {
        self.tally.retries += retries;
        self.tally.longest = std::max(self.tally.longest, retries);
        self.tally.waiting += waited;
    }

    static void publish(FaultCaller& self, Phase phase) noexcept {
        self.waiting = phase == Phase::waiting_for_page;
        // Release: the hang proof reads it (acquire) and must see every counter
        // update this caller made before it started waiting.
        self.phase.store(phase, std::memory_order_release);
    }

    EpcPool<Counter>& pool_;
    Enclaves<Pause>& enclaves_;
    Reclaimer<Counter, Queue>& reclaimer_;
    const ReclaimSettings& settings_;
    const StopFlag& stop_;
    WriteBackMeeting& meeting_;
    std::atomic<bool> retry_limit_hit_{false};
    std::atomic<long long> lockup_node_{-1};
};

}  // namespace sgx
