// The reduced reclaim scenario under the scheduler: the one fault path of
// model/ (FaultPath, Reclaimer, over a ReclaimModel), run unchanged by fault
// workers and ksgxd with the scheduler's wait queue (scheduled_wait_queue.hpp)
// and pause points, in a few dozen steps.
//
// It differs from the threaded scenario only in its settings
// (reduced_scenario() below): a few pages, the kernel's watermarks scaled
// down, one pass in which every page faults in once (each worker in its own
// enclave, as the threaded default), and faulted pages left old, so ksgxd's
// second chance, which would only put each page back once, doubles no search.
//
// The hang is found, not waited for: before each decision the scheduler asks
// whether every unfinished worker is back at its retry (between two attempts,
// so it holds no lock) and then scenario/hang_proof.hpp, the same proof the
// threaded watchdog uses: ksgxd asleep and not woken, every free list empty,
// every page resident and listed, should_reclaim(low) false. From there no step
// can change the count, the lists or ksgxd's state, so the faults retry forever.
#pragma once

#include <atomic>
#include <string>

#include "counters/counter_options.hpp"
#include "explore/explore.hpp"
#include "explore/run_record.hpp"
#include "explore/scheduled_wait_queue.hpp"
#include "explore/scheduler.hpp"
#include "model/reclaim_model.hpp"
#include "model/reclaim_settings.hpp"
#include "scenario/hang_proof.hpp"

namespace sgx::explore {

// The reduced scenario's settings: the threaded scenario's fields, other values.
inline ReclaimSettings reduced_scenario(const ExploreConfig& config) {
    ReclaimSettings settings;
    settings.workers = static_cast<unsigned>(config.threads);
    settings.enclave_pages = static_cast<EnclavePageId>(config.enclave_pages);
    settings.marks = Watermarks{static_cast<long>(config.low), static_cast<long>(config.high)};
    settings.scan = static_cast<long>(config.scan);
    settings.comparison = config.comparison;
    settings.passes = 1;
    settings.fault_leaves_young = false;
    return settings;
}

template <CounterStrategy Counter>
class ReclaimRun {
public:
    using Model = ReclaimModel<Counter, ScheduledWaitQueue>;

    ReclaimRun(const ExploreConfig& config, const CounterOptions& options, Chooser& chooser)
        : settings_(reduced_scenario(config)),
          ksgxd_(settings_.workers),
          scheduler_(ksgxd_ + 1, chooser, config.points, config.max_steps,
                     [this](const Scheduler& view) { return hung(view); }, config.engine),
          model_(PoolShape::checked(config.nodes, config.pages_per_node), options, NodeSearch::fixed_2024, settings_,
                 scheduler_.winding_down(), nullptr, scheduler_, ksgxd_) {}

    ScheduleRun run() {
        scheduler_.run([&](unsigned thread) {
            if (thread == ksgxd_) {
                model_.reclaimer().run();
            } else {
                worker(thread);
            }
        });

        ScheduleRun run = recorded_run(scheduler_, model_.pool());
        run.active_pages = model_.enclaves().active_length();
        run.faults_served = model_.faults_served();
        run.fault_wakes_reclaimer = model_.reclaimer().should_wake();
        run.outcome = outcome();
        return run;
    }

private:
    Outcome outcome() const {
        if (!model_.pool().invariant_violation().empty()) return Outcome::broken_lists;
        if (!scheduler_.draining()) return Outcome::completed;
        // Every worker done and ksgxd asleep: the run is over, as kthread_stop() would end it.
        if (scheduler_.ending() == Outcome::deadlock && workers_done_ == ksgxd_) return Outcome::completed;
        return scheduler_.ending();
    }

    // A worker's share, faulted in once; -ENOMEM (SIGBUS in the kernel) or a
    // run being wound down ends it early.
    void worker(unsigned index) {
        FaultCaller self = model_.caller(index);
        const auto [first, last] = model_.share(index);
        std::atomic<long long> touched{0};  // no watchdog here: the scheduler decides when a run is over
        (void)model_.faults().work(self, first, last, touched);
        model_.finish(index);
        ++workers_done_;  // only the running thread writes it
    }

    // The absorbing hang. Called with every thread parked; the reads below are
    // the controller's, not steps. Only when every unfinished worker is at its
    // retry: a worker parked inside an attempt may hold a node lock, which the
    // proof takes (and ksgxd, which may hold one too, is asked first, asleep).
    bool hung(const Scheduler& view) {
        bool retrying = false;
        for (unsigned worker = 0; worker < ksgxd_; ++worker) {
            if (view.finished(worker)) continue;
            if (!view.parked_at(worker, Access::retry)) return false;
            retrying = true;
        }
        return retrying && proves_hung(model_);
    }

    const ReclaimSettings settings_;
    const unsigned ksgxd_;  // its thread index, one past the workers (and its slot)
    Scheduler scheduler_;
    Model model_;
    unsigned workers_done_ = 0;
};

}  // namespace sgx::explore
