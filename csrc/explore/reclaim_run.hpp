// The reduced reclaim scenario under the scheduler: fault workers and ksgxd, in
// a few dozen steps, calling the real EpcPool, counter and Enclave code.
//
// Follows design.md section 1, as the threaded scenario does, but deterministic:
//   - worker w faults in each page of its share of the enclave once (every page
//     starts evicted, so every touch faults); a fault models
//     sgx_alloc_epc_page(owner, reclaim=false): a page, or -ENOMEM when the
//     active list is empty too, or -EBUSY; on the way out (success or -EBUSY)
//     it wakes ksgxd if sgx_should_reclaim(low); a served fault then joins the
//     active list (sgx_mark_page_reclaimable()); -EBUSY returns to user space,
//     which faults again (a `retry` point: a fair yield, so a fault retrying in
//     a loop cannot starve ksgxd);
//   - ksgxd models wait_event_freezable(ksgxd_waitq, kthread_should_stop() ||
//     sgx_should_reclaim(high)) as prepare_to_wait (`wait`), the test, and
//     schedule() (`sleep`, which blocks until a `wake`), then
//     sgx_reclaim_pages(): up to `scan` pages off the active list's head, each
//     written back and freed to its home node. Unlike the threaded scenario,
//     no second chance: every page here is touched once, by the fault that
//     brought it in, so ageing would only put each page back once and double the
//     steps of every search without changing which states are reachable.
// The active list's lock guards no other shared access, so each list operation
// is one indivisible step (`rmw` on active_list), its unlocked emptiness test a `load`.
//
// The hang is found, not waited for: before each decision the scheduler asks
// whether the run is in the absorbing state of design.md: every worker still
// running is back at its retry, ksgxd is asleep and not woken, every free list
// is empty and should_reclaim(low) is false. From there no step can change the
// count, the lists or ksgxd's state, so the faults retry forever.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "counters/counter_options.hpp"
#include "explore/explore.hpp"
#include "explore/run_record.hpp"
#include "explore/scheduler.hpp"
#include "model/enclave.hpp"
#include "model/epc_pool.hpp"

namespace sgx::explore {

template <CounterStrategy Counter>
class ReclaimRun {
public:
    ReclaimRun(const ExploreConfig& config, const CounterOptions& options)
        : config_(config),
          pool_(PoolShape::checked(config.nodes, config.pages_per_node), options),
          enclave_(static_cast<EnclavePageId>(config.enclave_pages), 1),
          ksgxd_(static_cast<unsigned>(config.threads)),
          chunk_(static_cast<std::size_t>(config.scan)) {}

    ScheduleRun run(Chooser& chooser) {
        Scheduler scheduler(ksgxd_ + 1, chooser, config_.points, config_.max_steps,
                            [this](const Scheduler& view) { return hung(view); });
        scheduler.run([&](unsigned thread) {
            if (thread == ksgxd_) {
                reclaimer(scheduler);
            } else {
                worker(thread, scheduler);
            }
        });

        ScheduleRun run = recorded_run(scheduler, pool_);
        run.active_pages = enclave_.active_length();
        run.faults_served = faults_served_;
        run.fault_wakes_reclaimer = should_reclaim(config_.low);
        run.outcome = outcome(scheduler);
        return run;
    }

private:
    Outcome outcome(const Scheduler& scheduler) const {
        if (!pool_.invariant_violation().empty()) return Outcome::broken_lists;
        if (!scheduler.draining()) return Outcome::completed;
        // Every worker done and ksgxd asleep: the run is over, as kthread_stop() would end it.
        if (scheduler.ending() == Outcome::deadlock && workers_done_ == ksgxd_) return Outcome::completed;
        return scheduler.ending();
    }

    // models sgx_should_reclaim(): the count below the watermark, then the active list not empty.
    bool should_reclaim(long long watermark) const noexcept {
        if (!pool_.count_below(static_cast<long>(watermark), config_.comparison)) return false;
        Scheduled::at(Access::load, ModelShared::active_list, 0, enclave_);
        return enclave_.active_length() > 0;
    }

    void wake() const noexcept { Scheduled::at(Access::wake, ModelShared::ksgxd_queue, 0, queue_); }

    void worker(unsigned index, const Scheduler& scheduler) {
        const auto pages = static_cast<unsigned long long>(config_.enclave_pages);
        const auto workers = static_cast<unsigned long long>(ksgxd_);
        const auto first = static_cast<EnclavePageId>(pages * index / workers);
        const auto last = static_cast<EnclavePageId>(pages * (index + 1) / workers);
        for (EnclavePageId page = first; page < last; ++page) {
            if (!fault_in(page, index, scheduler)) break;
        }
        ++workers_done_;  // only the running thread writes it
    }

    // A fault, retried until served. False when the run is being wound down or
    // the fault got -ENOMEM (SIGBUS in the kernel).
    bool fault_in(EnclavePageId page, unsigned index, const Scheduler& scheduler) {
        const auto local = index % static_cast<unsigned>(config_.nodes);
        for (;;) {
            if (scheduler.draining()) return false;
            const PageId epc = pool_.alloc(local, index);
            if (epc == kNoPage) {
                Scheduled::at(Access::load, ModelShared::active_list, 0, enclave_);
                if (enclave_.active_length() == 0) return false;  // -ENOMEM
            }
            if (should_reclaim(config_.low)) wake();
            if (epc != kNoPage) {
                Scheduled::at(Access::rmw, ModelShared::active_list, 0, enclave_);
                enclave_.make_resident(page, epc);
                ++faults_served_;
                return true;
            }
            Scheduled::at(Access::retry, Shared::none, index, queue_);  // -EBUSY: user space faults again
        }
    }

    // models ksgxd().
    void reclaimer(const Scheduler& scheduler) {
        for (;;) {
            for (;;) {
                Scheduled::at(Access::wait, ModelShared::ksgxd_queue, 0, queue_);
                if (scheduler.draining() || should_reclaim(config_.high)) break;
                Scheduled::at(Access::sleep, ModelShared::ksgxd_queue, 0, queue_);
                if (scheduler.draining()) break;
            }
            if (scheduler.draining()) return;
            if (should_reclaim(config_.high)) reclaim_pages();
        }
    }

    // models sgx_reclaim_pages(): evict from the LRU head, free to each page's home node.
    void reclaim_pages() {
        Scheduled::at(Access::rmw, ModelShared::active_list, 0, enclave_);
        const std::size_t taken = enclave_.isolate_from_head(std::span<EnclavePageId>(chunk_));
        for (std::size_t index = 0; index < taken; ++index) {
            enclave_.mark_being_reclaimed(chunk_[index]);
            pool_.free(enclave_.write_back(chunk_[index]), ksgxd_);
        }
    }

    // The absorbing hang (see the top of this file). Called with every thread
    // parked; the reads below are the controller's, not steps.
    bool hung(const Scheduler& view) const {
        if (!view.asleep(ksgxd_)) return false;
        bool retrying = false;
        for (unsigned worker = 0; worker < ksgxd_; ++worker) {
            if (view.finished(worker)) continue;
            if (!view.parked_at(worker, Access::retry)) return false;
            retrying = true;
        }
        // No worker and ksgxd hold a lock here, so the pool's locked reads cannot wait.
        return retrying && pool_.true_free() == 0 && !should_reclaim(config_.low);
    }

    const ExploreConfig& config_;
    EpcPool<Counter> pool_;
    Enclaves enclave_;  // one enclave, shared by every worker
    const unsigned ksgxd_;  // its thread index, one past the workers (and its slot)
    std::vector<EnclavePageId> chunk_;
    const char queue_ = 0;  // ksgxd_waitq: only its address matters
    long faults_served_ = 0;
    unsigned workers_done_ = 0;
};

}  // namespace sgx::explore
