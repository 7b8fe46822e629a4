// The updates scenario under the scheduler: threads x ops alloc/free on a small
// EpcPool, and the verdict on the count it leaves.
#pragma once

#include <cstdlib>
#include <string>

#include "counters/counter_options.hpp"
#include "explore/explore.hpp"
#include "explore/run_record.hpp"
#include "explore/scheduler.hpp"
#include "model/epc_pool.hpp"

namespace sgx::explore {

// Thread i works on node i % nodes with slot i. Its operations alternate: alloc
// a page, free it, alloc, ... so `ops` 1 is one counter decrement.
template <CounterStrategy Counter>
ScheduleRun run_updates(const ExploreConfig& config, const CounterOptions& options, Chooser& chooser) {
    EpcPool<Counter> pool(PoolShape::checked(config.nodes, config.pages_per_node), options);
    Scheduler scheduler(static_cast<unsigned>(config.threads), chooser, config.points, config.max_steps, {},
                        config.engine);
    const auto nodes = static_cast<unsigned>(config.nodes);
    scheduler.run([&](unsigned thread) {
        PageId held = kNoPage;
        for (long long op = 0; op < config.ops; ++op) {
            if (held == kNoPage) {
                held = pool.alloc(thread % nodes, thread);
            } else {
                pool.free(held, thread);
                held = kNoPage;
            }
        }
    });

    ScheduleRun run = recorded_run(scheduler, pool);
    if (scheduler.draining()) {
        run.outcome = scheduler.ending();
    } else if (!pool.invariant_violation().empty()) {
        run.outcome = Outcome::broken_lists;
    } else {
        // percpu_batch's cheap read may lag by its bound; its exact read may not.
        const bool off = Counter::accuracy == Accuracy::bounded
                             ? std::labs(run.counter - run.true_free) > run.read_error_bound ||
                                   run.exact_count != run.true_free
                             : run.counter != run.true_free;
        run.outcome = off ? Outcome::counter_off : Outcome::correct;
    }
    return run;
}

}  // namespace sgx::explore
