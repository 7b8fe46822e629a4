// What every scheduled run records at its end, whatever it ran: the schedule,
// the steps, and the pool's reads. Read with every thread joined.
#pragma once

#include "explore/schedule.hpp"
#include "explore/scheduler.hpp"

namespace sgx::explore {

template <class Pool>
ScheduleRun recorded_run(const Scheduler& scheduler, const Pool& pool) {
    ScheduleRun run;
    run.schedule = scheduler.schedule();
    run.steps = scheduler.steps();
    run.preemptions = scheduler.preemptions();
    run.touches = scheduler.touches();
    run.footprint_begin = scheduler.footprint_begins();
    run.counter = pool.counter();
    run.exact_count = pool.exact_count();
    run.true_free = pool.true_free();
    run.read_error_bound = pool.read_error_bound();
    return run;
}

}  // namespace sgx::explore
