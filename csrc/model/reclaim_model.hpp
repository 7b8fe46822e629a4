// ReclaimModel<Counter, Queue>: one run's kernel state, built once and run by
// whoever brings the threads: the pool, the enclaves and their active list,
// ksgxd's wait queue, the reclaimer and the fault path over them, the pages
// held from the start (SECS, VA), and one FaultCaller (tally and phase) per
// worker. The threaded scenario and the explorer each own one of these; neither
// has a fault path of its own.
//
// Cost: the pool's and the enclaves' (8 bytes per EPC page, 12 per enclave
// page), plus two padded blocks per worker.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/padded.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "model/enclave.hpp"
#include "model/epc_pool.hpp"
#include "model/fault_caller.hpp"
#include "model/fault_path.hpp"
#include "model/node_search.hpp"
#include "model/pool_shape.hpp"
#include "model/reclaim_settings.hpp"
#include "model/reclaimer.hpp"
#include "model/wait_queue.hpp"
#include "model/write_back_meeting.hpp"

namespace sgx {

template <CounterStrategy Counter, WaitQueue Queue>
class ReclaimModel {
public:
    using Pause = typename Counter::pause_policy;
    using Faults = FaultPath<Counter, Queue>;
    using Ksgxd = Reclaimer<Counter, Queue>;

    // `settings` and `stop` must outlive the model; `queue_args` build the wait queue.
    // `build_stop`, when given, stops the pool's construction (EpcPool's constructor).
    template <class... QueueArgs>
    ReclaimModel(PoolShape shape, const CounterOptions& options, NodeSearch search, const ReclaimSettings& settings,
                 const StopFlag& stop, const StopFlag* build_stop, QueueArgs&&... queue_args)
        : settings_(settings),
          pool_(std::move(shape), options, search, build_stop),
          enclaves_(settings.enclave_pages, settings.enclaves(), pool_.reclaimer_lock(), pool_.active_list()),
          queue_(std::forward<QueueArgs>(queue_args)...),
          meeting_(settings.meet_write_back, stop),
          reclaimer_(pool_, enclaves_, queue_, settings, ksgxd_slot(), meeting_),
          faults_(pool_, enclaves_, reclaimer_, settings, stop, meeting_),
          phases_(std::make_unique<Padded<std::atomic<Phase>>[]>(settings.workers)),
          // Each written by its worker only, on every served fault: padded, or the
          // workers would false-share the lines of their neighbours' tallies.
          tallies_(settings.workers) {
        // The SECS and version-array pages: allocated before any fault, never on the active list.
        unreclaimable_.reserve(static_cast<std::size_t>(settings.unreclaimable_pages));
        for (long long index = 0; index < settings.unreclaimable_pages; ++index) {
            const auto node = static_cast<unsigned>(index % pool_.shape().nodes());
            unreclaimable_.push_back(pool_.alloc(node, ksgxd_slot()));
        }
    }

    ReclaimModel(const ReclaimModel&) = delete;
    ReclaimModel& operator=(const ReclaimModel&) = delete;

    const ReclaimSettings& settings() const noexcept { return settings_; }
    EpcPool<Counter>& pool() noexcept { return pool_; }
    const EpcPool<Counter>& pool() const noexcept { return pool_; }
    Enclaves<Pause>& enclaves() noexcept { return enclaves_; }
    const Enclaves<Pause>& enclaves() const noexcept { return enclaves_; }
    Queue& queue() noexcept { return queue_; }
    const Queue& queue() const noexcept { return queue_; }
    Ksgxd& reclaimer() noexcept { return reclaimer_; }
    const Ksgxd& reclaimer() const noexcept { return reclaimer_; }
    Faults& faults() noexcept { return faults_; }
    const Faults& faults() const noexcept { return faults_; }

    unsigned workers() const noexcept { return settings_.workers; }
    Slot ksgxd_slot() const noexcept { return static_cast<Slot>(settings_.workers); }

    // Worker `index`'s caller: node index % nodes, slot index, its tally and phase.
    FaultCaller caller(unsigned index) {
        return FaultCaller{index % pool_.shape().nodes(), static_cast<Slot>(index), tallies_[index].value,
                           phases_[index].value,
                           settings_.direct_reclaim ? reclaimer_.chunk_buffer() : std::vector<EnclavePageId>{}};
    }

    // Worker `index`'s share of the enclave pages: [first, second).
    std::pair<EnclavePageId, EnclavePageId> share(unsigned index) const noexcept {
        const auto pages = static_cast<unsigned long long>(settings_.enclave_pages);
        return {static_cast<EnclavePageId>(pages * index / settings_.workers),
                static_cast<EnclavePageId>(pages * (index + 1) / settings_.workers)};
    }

    // The worker will never touch the pool again. Release: as waiting_for_page, for the hang proof.
    void finish(unsigned index) noexcept { phases_[index].value.store(Phase::done, std::memory_order_release); }

    // Acquire: pairs with the release that published it, so the counter
    // updates the worker made before are seen by whoever reads the count next.
    Phase phase(unsigned index) const noexcept { return phases_[index].value.load(std::memory_order_acquire); }

    const FaultTally& tally(unsigned index) const noexcept { return tallies_[index].value; }

    long long faults_served() const noexcept {
        long long sum = 0;
        for (const Padded<FaultTally>& tally : tallies_) sum += tally.value.faults;
        return sum;
    }

    // EPC pages that may sit on the active list: every one but those held from the start.
    long reclaimable_pages() const noexcept {
        return static_cast<long>(pool_.shape().total_pages()) - static_cast<long>(unreclaimable_.size());
    }

    // Every EPC page is free on its home list, or held by exactly one resident
    // enclave page, which is on the active list exactly once, or unreclaimable.
    // Only with every thread joined. Empty string when it holds.
    std::string conservation_violation() const {
        if (std::string violation = pool_.invariant_violation(); !violation.empty()) return "free lists: " + violation;
        const PageId total = pool_.shape().total_pages();
        std::vector<bool> held;
        if (std::string violation = enclaves_.invariant_violation(total, held); !violation.empty()) return violation;
        for (const PageId page : unreclaimable_) {
            if (held[page]) return "EPC page " + std::to_string(page) + " is unreclaimable and held by the enclave";
            held[page] = true;
        }
        for (PageId page = 0; page < total; ++page) {
            const bool free = pool_.is_free(page);
            if (free && held[page]) return "EPC page " + std::to_string(page) + " is free and held at once";
            if (!free && !held[page]) return "EPC page " + std::to_string(page) + " is neither free nor held: lost";
        }
        return {};
    }

private:
    const ReclaimSettings& settings_;
    EpcPool<Counter> pool_;
    Enclaves<Pause> enclaves_;
    Queue queue_;
    WriteBackMeeting meeting_;  // off but in tests (write_back_meeting.hpp)
    Ksgxd reclaimer_;
    Faults faults_;
    std::unique_ptr<Padded<std::atomic<Phase>>[]> phases_;  // one per worker, for the hang proof
    std::vector<Padded<FaultTally>> tallies_;
    std::vector<PageId> unreclaimable_;  // held for the whole run, as SECS and VA pages are
};

}  // namespace sgx
