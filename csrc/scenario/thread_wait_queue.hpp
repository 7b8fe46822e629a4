// ThreadWaitQueue: ksgxd_waitq for real threads (model/wait_queue.hpp's
// WaitQueue), a mutex and condition variables, plus what the threaded scenario
// asks of it: kthread_stop(), the start line, "settled" and the hang proof's
// instant.
//
// No wake-up is lost: wait_event() tests its condition and goes to sleep under
// mutex_, and wake_up() counts itself under mutex_ before it notifies. A waker's
// counter update happened before its lock, so either the sleeper had not yet
// tested (and now sees the update) or it is already asleep (and gets the
// notify). As the kernel's wait_event(), the condition is tested again only
// after a wake_up(), never on a spurious return from the wait.
//
// Cost: wake_up() is one uncontended mutex round trip, plus a futex call when
// the thread sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>

namespace sgx {

class ThreadWaitQueue {
public:
    // `first_test` is counted down once, at the waiter's first test: ksgxd is
    // asleep long before any enclave faults, so a run's start line waits for it
    // (a late start would see the first faults and reclaim unasked).
    explicit ThreadWaitQueue(std::latch* first_test = nullptr) : first_test_(first_test) {}

    // models wait_event_freezable(ksgxd_waitq, kthread_should_stop() || condition()).
    // False when asked to stop.
    template <class Condition>
    bool wait_event(Condition&& condition) {
        std::unique_lock hold(mutex_);
        const auto needed = [&] { return stopping_ || condition(); };
        const bool needed_at_first = needed();
        if (first_test_ != nullptr) {
            // After the test: it sees the pool before any fault, however late this
            // thread runs (released first, a preempted ksgxd could look only after the
            // faults that should wake it, and reclaim unwoken). Under mutex_: a fault
            // released by the latch can notify only once this thread is waiting, so
            // its first wake-up is not lost either.
            first_test_->count_down();
            first_test_ = nullptr;
        }
        if (!needed_at_first) {
            asleep_ = true;
            do {
                seen_ = wakes_;
                settled_.notify_all();
                wakeup_.wait(hold, [&] { return stopping_ || wakes_ != seen_; });
            } while (!needed());
            asleep_ = false;
            if (!stopping_) ++wakeups_;
        }
        return !stopping_;
    }

    // models wake_up(&ksgxd_waitq).
    void wake_up() {
        {
            std::lock_guard hold(mutex_);
            ++wakes_;
        }
        wakeup_.notify_one();
    }

    // models kthread_stop(): wait_event() returns false, now or at its next call.
    void stop() {
        {
            std::lock_guard hold(mutex_);
            stopping_ = true;
        }
        wakeup_.notify_one();
    }

    // Runs check() with the waiter asleep, no wake-up pending, and held so (the
    // queue's lock taken): false without calling it otherwise. The hang proof's instant.
    template <class Check>
    bool while_asleep(Check&& check) {
        std::lock_guard hold(mutex_);
        return asleep_ && wakes_ == seen_ && check();
    }

    // Returns once the waiter is asleep with no wake-up pending (its condition was
    // false when it last looked; wakers since may have changed it without waking
    // it, as the kernel's), or when `interrupted()` says so, asked every `poll`.
    template <class Interrupted>
    void wait_until_settled(Interrupted&& interrupted, std::chrono::milliseconds poll) {
        std::unique_lock hold(mutex_);
        while (!settled_.wait_for(hold, poll, [this] { return stopping_ || (asleep_ && wakes_ == seen_); })) {
            if (interrupted()) return;
        }
    }

    // Times the waiter slept and was woken with its condition true. Read after it has joined.
    long long wakeups() const noexcept { return wakeups_; }

private:
    std::latch* first_test_;
    std::mutex mutex_;  // ksgxd_waitq's lock: guards everything below and the sleep itself
    std::condition_variable wakeup_;
    std::condition_variable settled_;  // notified each time the waiter goes to sleep
    bool stopping_ = false;
    bool asleep_ = false;           // in the wait, with its condition false when last tested
    unsigned long long wakes_ = 0;  // wake_up() calls: the wait returns only when this changes
    unsigned long long seen_ = 0;   // wakes_ when the waiter last went to sleep: asleep_ and equal, nothing pending
    long long wakeups_ = 0;
};

}  // namespace sgx
