// Scheduler: runs a team of real threads one at a time, handing a baton on at
// every pause point (counters/pause.hpp), so a run is decided entirely by the
// sequence of threads it grants: its schedule.
//
// Each thread parks at each of its points and tells the scheduler what it is
// about to do. Whoever holds the baton (the thread that just parked, or just
// finished) asks the Chooser which thread moves next, applies the step's effect
// to the scheduler's own view (a lock's owner, a sleeper woken) and, if another
// thread was chosen, releases that thread's semaphore and waits on its own. So
// exactly one thread runs between two points, and a replayed schedule repeats
// the run exactly. A lock that is held is a thread that cannot be chosen, never
// a spin: its owner releases the real spinlock before the waiter is granted it.
// A thread at a `sleep` can be chosen only once woken.
//
// With `Points::counter` only counter accesses (and steps that block, wait,
// wake or retry) are decisions; other points take effect in place. In either
// mode an enclave lock's acquire and release take effect in place unless the
// lock is held (then the thread blocks, as at any lock): a lock's acquire
// commutes to the right of every other thread's step and its release to the
// left (Lipton's reduction), so a decision there would add schedules and no
// state. The node locks, older than the enclave locks here, stay decisions in
// `Points::all`, which keeps that mode's counts.
//
// Cost: a handoff to another thread is two futex calls; continuing the same
// thread is a little bookkeeping. Not for production: NoPause is.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <semaphore>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/stop_flag.hpp"
#include "counters/pause.hpp"
#include "explore/schedule.hpp"

namespace sgx::explore {

// Which pause points are decisions.
enum class Points {
    all,      // every shared access: locks, counters, lists, the wait queue
    counter,  // counter accesses only (plus lock waits, sleeps, wakes and retries)
};

// A step as the chooser sees it before it happens: enough to tell whether two
// steps commute (different objects, or two loads).
struct StepKey {
    Access access = Access::load;
    const void* object = nullptr;
};

inline bool independent(const StepKey& a, const StepKey& b) noexcept {
    if (a.access == Access::retry || b.access == Access::retry) return false;
    return a.object != b.object || (a.access == Access::load && b.access == Access::load);
}

// One decision: who may move, who moved last and whether it could go on.
struct Decision {
    std::uint32_t enabled = 0;        // bit t: thread t may take its next step
    unsigned running = kNoThread;     // the thread that moved last (none at the start)
    bool running_can_go_on = false;   // switching away from it is a preemption
    std::array<StepKey, kMaxScheduledThreads> next{};  // each thread's next step
};

// Decides each step; kAbandon ends the run early (the rest runs unrecorded).
class Chooser {
public:
    static constexpr unsigned kAbandon = kNoThread;
    virtual ~Chooser() = default;
    virtual unsigned choose(const Decision& decision) = 0;
};

class Scheduler {
public:
    struct Pending {
        Access access = Access::load;
        Shared shared = Shared::counter;
        unsigned index = 0;
        const void* object = nullptr;
        long (*read)(const void*) noexcept = nullptr;  // a counter cell's value, or none
    };

    // Tells, before each decision, whether the run has reached a state it can
    // never leave (the hang). Called with every thread parked; points inside it pass through.
    using Absorbing = std::function<bool(const Scheduler&)>;

    Scheduler(unsigned threads, Chooser& chooser, Points points, long max_steps, Absorbing absorbing = {});
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Runs body(thread) on `threads` std::threads, one at a time, and returns
    // once every one has finished. Rethrows the first error a body threw.
    void run(const std::function<void(unsigned)>& body);

    // The scheduler of the calling thread, or nullptr outside a scheduled run.
    static Scheduler* current() noexcept;
    // A pause point of the calling thread (Scheduled::at).
    void point(const Pending& pending) noexcept;

    // The run is over (hang, deadlock, pruned, step limit): threads should wind
    // down; sleeps no longer block. Read by the running thread only.
    bool draining() const noexcept { return draining_; }
    // The same, as the StopFlag the model's fault path polls.
    const StopFlag& winding_down() const noexcept { return winding_down_; }
    Outcome ending() const noexcept { return ending_; }

    // For the absorbing test: what a parked thread will do next.
    bool finished(unsigned thread) const noexcept { return slots_[thread].finished; }
    bool parked_at(unsigned thread, Access access) const noexcept;
    bool asleep(unsigned thread) const noexcept;

    const std::vector<Step>& steps() const noexcept { return steps_; }
    const std::vector<unsigned>& schedule() const noexcept { return schedule_; }
    long preemptions() const noexcept { return preemptions_; }

private:
    struct Slot {
        std::binary_semaphore baton{0};
        Pending pending;
        bool has_pending = false;
        bool finished = false;
        bool waiting = false;  // on the wait queue since its last `wait`
        bool woken = false;    // woken since it joined
        const void* queue = nullptr;  // the wait queue it joined
        // Threads that must move before it may start another retry: CHESS's fair
        // yield, so a fault retrying in a loop cannot starve the reclaimer.
        std::uint32_t yields_to = 0;
        long (*open_read)(const void*) noexcept = nullptr;
        const void* open_object = nullptr;
        std::size_t open_step = SIZE_MAX;  // its last recorded step, value not yet read
    };

    void enter(unsigned self);
    void leave(unsigned self) noexcept;
    void decide(unsigned self) noexcept;
    void hand_on_at_start(unsigned self) noexcept;
    bool enabled(unsigned thread) const noexcept;
    Decision decision() const noexcept;
    bool decides(const Pending& pending) const noexcept;
    static bool never_decides(const Pending& pending) noexcept;
    void grant(unsigned thread, bool record, bool preemption, bool moves = true) noexcept;
    void close_step(unsigned self) noexcept;
    void drain(Outcome why) noexcept;
    bool live(unsigned thread) const noexcept { return slots_[thread].has_pending && !slots_[thread].finished; }

    const unsigned threads_;
    Chooser& chooser_;
    const Points points_;
    const long max_steps_;
    Absorbing absorbing_;
    std::vector<Slot> slots_;
    std::vector<std::pair<const void*, unsigned>> owners_;  // held locks and their holders
    std::binary_semaphore done_{0};
    bool starting_ = true;
    bool draining_ = false;
    StopFlag winding_down_;  // raised with draining_
    bool aborted_ = false;
    Outcome ending_ = Outcome::correct;
    unsigned running_ = kNoThread;
    long decisions_ = 0;
    long preemptions_ = 0;
    std::vector<Step> steps_;
    std::vector<unsigned> schedule_;
    std::vector<std::exception_ptr> errors_;
};

// The Pause policy of a scheduled run: every point parks the calling thread
// until the scheduler grants its step. Outside a run (no scheduler on this
// thread) it does nothing, so the pool can be read after the run.
struct Scheduled {
    template <class Object>
    static void at(Access access, Shared shared, unsigned index, const Object& object) noexcept {
        Scheduler* scheduler = Scheduler::current();
        if (scheduler == nullptr) return;
        scheduler->point({access, shared, index, &object, reader<Object>()});
    }

private:
    template <class Object>
    static constexpr auto reader() noexcept -> long (*)(const void*) noexcept {
        if constexpr (std::is_same_v<Object, long>) {
            // Only the running thread reads, after its own step: no race.
            return [](const void* cell) noexcept -> long { return *static_cast<const volatile long*>(cell); };
        } else if constexpr (std::is_same_v<Object, std::atomic<long>>) {
            // Relaxed: the baton's semaphore already orders every earlier store.
            return [](const void* cell) noexcept -> long {
                return static_cast<const std::atomic<long>*>(cell)->load(std::memory_order_relaxed);
            };
        } else {
            return nullptr;
        }
    }
};

}  // namespace sgx::explore
