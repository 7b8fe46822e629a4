// WaitQueue: what the fault path needs of ksgxd_waitq, the one primitive the
// threaded scenario and the explorer swap under the same kernel code (as loom
// swaps a Condvar and keeps the program).
//
//   bool wait_event(condition);  // wait_event_freezable(q, kthread_should_stop() || condition()):
//                                // true once condition() held, false when the thread is to stop
//   void wake_up();              // wake_up(&q): a sleeper tests its condition again
//
// Two queues satisfy it: scenario/thread_wait_queue.hpp (a mutex and a
// condition variable: real sleeps, no lost wake-up) and
// explore/scheduled_wait_queue.hpp (the scheduler's `wait`, `sleep` and `wake`
// steps). The kernel's semantics both keep: no timeout, and the condition is
// tested again only after a wake_up(), never on a spurious return.
#pragma once

#include <concepts>

namespace sgx {

template <class Q>
concept WaitQueue = requires(Q queue) {
    { queue.wait_event([] { return true; }) } -> std::same_as<bool>;
    queue.wake_up();
};

}  // namespace sgx
