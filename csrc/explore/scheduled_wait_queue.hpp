// ScheduledWaitQueue: ksgxd_waitq under the explorer's scheduler
// (model/wait_queue.hpp's WaitQueue), so the one fault path runs unchanged.
//
// wait_event() is prepare_to_wait() (a `wait` step: the thread joins the
// queue), the test of its condition, and schedule() (a `sleep` step, which the
// scheduler grants only once a `wake` on this queue came after the `wait`), in
// a loop until the condition holds. A run being wound down (a hang found, a
// step limit) stops the waiter, as kthread_stop() would.
//
// Cost: nothing but the scheduler's steps.
#pragma once

#include "counters/pause.hpp"
#include "explore/scheduler.hpp"
#include "model/shared_objects.hpp"

namespace sgx::explore {

class ScheduledWaitQueue {
public:
    // `waiter`: the scheduled thread that waits on this queue (ksgxd's index).
    ScheduledWaitQueue(const Scheduler& scheduler, unsigned waiter) : scheduler_(scheduler), waiter_(waiter) {}

    // models wait_event_freezable(ksgxd_waitq, kthread_should_stop() || condition()).
    template <class Condition>
    bool wait_event(Condition&& condition) {
        for (;;) {
            Scheduled::at(Access::wait, ModelShared::ksgxd_queue, 0, *this);
            if (scheduler_.draining()) return false;
            if (condition()) return true;
            Scheduled::at(Access::sleep, ModelShared::ksgxd_queue, 0, *this);
            if (scheduler_.draining()) return false;
        }
    }

    // models wake_up(&ksgxd_waitq).
    void wake_up() { Scheduled::at(Access::wake, ModelShared::ksgxd_queue, 0, *this); }

    // Runs check() when the waiter sleeps and no wake-up came since it joined
    // the queue (the hang proof's condition). Called with every thread parked,
    // so nothing can wake it meanwhile.
    template <class Check>
    bool while_asleep(Check&& check) const {
        return scheduler_.asleep(waiter_) && check();
    }

private:
    const Scheduler& scheduler_;
    unsigned waiter_;
};

}  // namespace sgx::explore
