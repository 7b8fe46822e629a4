// What every scheduled run records at its end, whatever it ran: the schedule,
// the steps, and the pool's reads. Read with every thread joined; the
// scheduler's record moves into the run (the scheduler is done with it).
#pragma once

#include "explore/schedule.hpp"
#include "explore/scheduler.hpp"

namespace sgx::explore {

template <class Pool>
ScheduleRun recorded_run(Scheduler& scheduler, const Pool& pool) {
    ScheduleRun run;
    scheduler.take_record(run);
    run.counter = pool.counter();
    run.exact_count = pool.exact_count();
    run.true_free = pool.true_free();
    run.read_error_bound = pool.read_error_bound();
    return run;
}

}  // namespace sgx::explore
