// Scheduler: runs a team of explored threads one at a time, handing control on
// at every pause point (counters/pause.hpp), so a run is decided entirely by
// the sequence of threads it grants: its schedule.
//
// Each thread parks at each of its points and tells the scheduler what it is
// about to do. Whoever holds control (the thread that just parked, or just
// finished) asks the Chooser which thread moves next, applies the step's effect
// to the scheduler's own view (a lock's owner, a sleeper woken) and, if another
// thread was chosen, hands control to it and waits. So exactly one thread runs
// between two points, and a replayed schedule repeats the run exactly. A lock
// that is held is a thread that cannot be chosen, never a spin: its owner
// releases the real spinlock before the waiter is granted it. A thread at a
// `sleep` can be chosen only once woken.
//
// Two engines make the same decisions, so the same steps, schedules and counts:
//   - fibers (the default): every explored thread is a stackful user-space
//     context (fiber.hpp) on the calling OS thread; a handoff is a context
//     switch, tens of nanoseconds, and a loaded machine slows a search only by
//     the CPU share it gets;
//   - threads: every explored thread is an OS thread and a handoff is a
//     semaphore baton, two futex calls (the original engine, kept to compare).
// Per-thread state follows the explored thread either way: the model passes
// each thread's slot and node explicitly, and the scheduler's own "which thread
// is running" is switched with the context.
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
// Footprints: a step is everything a thread does from the decision that
// granted it to its next decision, so it records every point passed in place
// on the way (every lock, list and cell, Points::counter's in-place locks and
// list operations included), not only the access that started it. Two steps
// are independent only when their footprints are (search.hpp's reductions).
// A run records them, and the steps with their values, only for a chooser
// that asks (Recording): a search without a reduction needs only the schedule.
// Nor is such a search asked where it has no choice: one thread alone can
// move, or its preemption bound is spent and the running thread can go on.
//
// Cost: a handoff is a context switch (fibers) or two futex calls (threads);
// continuing the same thread is a little bookkeeping. Not for production: NoPause is.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <semaphore>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/stop_flag.hpp"
#include "counters/pause.hpp"
#include "explore/fiber.hpp"
#include "explore/schedule.hpp"
#include "model/shared_objects.hpp"

namespace sgx::explore {

// How explored threads run (see above).
enum class Engine {
    fibers,   // user-space contexts on the calling OS thread
    threads,  // one OS thread each, a semaphore baton between them
};

// Which pause points are decisions.
enum class Points {
    all,      // every shared access: locks, counters, lists, the wait queue
    counter,  // counter accesses only (plus lock waits, sleeps, wakes and retries)
};

// One decision: who may move, who moved last and whether it could go on.
struct Decision {
    std::uint32_t enabled = 0;        // bit t: thread t may take its next step
    unsigned running = kNoThread;     // the thread that moved last (none at the start)
    bool running_can_go_on = false;   // switching away from it is a preemption
};

// What a run records beyond the thread granted at each decision (its schedule).
// A search keeps almost none of its runs: one that needs less spares the
// scheduler the work, and the explorer runs the one it keeps (the first
// failure) again with Recording::trace.
enum class Recording {
    schedule,    // nothing more: a search without a reduction, PCT
    footprints,  // every step's footprint (a reduction's)
    trace,       // every step with the value it saw, and the footprints (a replay)
};

// Decides each step; kAbandon ends the run early (the rest runs unrecorded).
class Chooser {
public:
    static constexpr unsigned kAbandon = kNoThread;
    virtual ~Chooser() = default;
    // The decision comes as its fields (a Decision's), in registers: one built
    // by the scheduler and read back whole by the chooser went through the
    // stack and stalled every decision on store forwarding. `ended`: the
    // footprint of the step that ended at this decision (granted at the one
    // before; empty at the first, or when no footprints are recorded), valid
    // during the call only.
    virtual unsigned choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint ended) = 0;
    // What it needs recorded; `ended` is empty unless footprints are.
    virtual Recording recording() const noexcept { return Recording::trace; }
    // Whether it is asked at a decision that only one thread can take. A search
    // without a reduction is not: nothing to choose there, and a fifth of a hang
    // search's decisions are such. A reduction keeps each decision's footprint,
    // PCT counts every decision and a replay follows a schedule: they are asked.
    virtual bool asked_when_forced() const noexcept { return true; }
    // The preemptions it lets a run make (LONG_MAX: any). Once a run has made
    // them, a decision at which the running thread can go on is forced too: a
    // switch would be one more. A chooser not asked when forced is not asked
    // there either (in a bound-2 hang search, most of the decisions past the
    // second preemption); the run says whether another thread could have moved
    // at one (ScheduleRun::bound_forced), which is all the search needed of them.
    virtual long preemption_bound() const noexcept { return LONG_MAX; }
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
    // never leave (the hang). Called with every thread parked; points inside it
    // pass through. Asked only when every thread that can move is parked at a
    // retry, and one is: the model's one loop that need not end is a fault
    // retried (every other one waits for a lock, a wake-up or a page, which a
    // step gives or not), and a thread that can make any other step may change the state.
    using Absorbing = std::function<bool(const Scheduler&)>;

    Scheduler(unsigned threads, Chooser& chooser, Points points, long max_steps, Absorbing absorbing = {},
              Engine engine = Engine::fibers);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Runs body(thread) for each of `threads` explored threads, one at a time
    // (fibers on the calling thread, or std::threads), and returns once every
    // one has finished. Rethrows the first error a body threw.
    void run(const std::function<void(unsigned)>& body);

    // The scheduler of the calling thread, or nullptr outside a scheduled run.
    static Scheduler* current() noexcept { return t_current; }
    // A pause point of the calling thread (Scheduled::at). The fields come one
    // by one, in registers: a Pending built on the caller's stack with narrow
    // stores and read back whole stalled every point on store forwarding.
    void point(Access access, Shared shared, unsigned index, const void* object,
               long (*read)(const void*) noexcept) noexcept;

    // The run is over (hang, deadlock, pruned, step limit): threads should wind
    // down; sleeps no longer block. Read by the running thread only.
    bool draining() const noexcept { return draining_; }
    // The same, as the StopFlag the model's fault path polls.
    const StopFlag& winding_down() const noexcept { return winding_down_; }
    Outcome ending() const noexcept { return ending_; }

    // For the absorbing test: what a parked thread will do next.
    bool finished(unsigned thread) const noexcept { return slots_[thread].finished; }
    bool parked_at(unsigned thread, Access access) const noexcept {
        return live(thread) && slots_[thread].pending.access == access;
    }
    bool asleep(unsigned thread) const noexcept { return parked_at(thread, Access::sleep) && !slots_[thread].woken; }

    // What the run recorded, handed to `run` once it is over (the scheduler is
    // done with it: moved, not copied, since a search makes a run every few microseconds).
    void take_record(ScheduleRun& run) noexcept;
    // Gives a run's record buffers back once the search is done with the run, so
    // the next Scheduler on this OS thread records into them instead of
    // allocating four vectors a run. Leaves the run's record empty.
    static void recycle(ScheduleRun& run) noexcept;

private:
    // Recorded step i's footprint.
    Footprint footprint(std::size_t step) const noexcept {
        const std::size_t end = step + 1 < footprint_begin_.size() ? footprint_begin_[step + 1] : touches_.size();
        return {touches_.data() + footprint_begin_[step], end - footprint_begin_[step]};
    }

    struct Slot {
        std::binary_semaphore baton{0};
        Pending pending;
        bool finished = false;
        bool waiting = false;  // on the wait queue since its last `wait`
        bool woken = false;    // woken since it joined
        const void* queue = nullptr;  // the wait queue it joined
        // Threads that must move before it may start another retry: CHESS's fair
        // yield, so a fault retrying in a loop cannot starve the reclaimer.
        std::uint32_t yields_to = 0;
        bool yielded = false;  // retried since its last step: its next step reads yields_to
        long (*open_read)(const void*) noexcept = nullptr;
        const void* open_object = nullptr;
        std::size_t open_step = SIZE_MAX;  // its last recorded step, value not yet read
    };

    void run_threads(const std::function<void(unsigned)>& body);
    void run_fibers(const std::function<void(unsigned)>& body);
    static void fiber_body(void* start) noexcept;
    void enter(unsigned self);
    void leave(unsigned self) noexcept;
    void hand(unsigned self, unsigned next) noexcept;
    void all_done(unsigned self) noexcept;
    void decide(unsigned self) noexcept;
    void hand_on_at_start(unsigned self) noexcept;
    std::uint32_t unyielding(std::uint32_t can_move) const noexcept;
    Footprint ended() const noexcept;
    void grant(unsigned thread, bool record, bool preemption, bool moves = true) noexcept;
    [[gnu::noinline]] void on_queue(Slot& slot) noexcept;
    void release_yields(unsigned thread) noexcept;
    void drain(Outcome why) noexcept;

    // The helpers below run at every pause point or decision (hundreds a run,
    // a run every few microseconds): defined here so that they inline.

    bool live(unsigned thread) const noexcept { return (live_ & bit_of(thread)) != 0; }

    static constexpr std::uint32_t bit_of(unsigned thread) noexcept { return std::uint32_t{1} << thread; }

    bool held(const void* lock) const noexcept {
        for (const auto& owner : owners_) {
            if (owner.first == lock) return true;
        }
        return false;
    }

    // Whether a step may wait: a lock's acquire or a sleep.
    static constexpr bool may_wait(Access access) noexcept { return access == Access::lock || access == Access::sleep; }

    // Whether `thread`'s next step may happen now: a lock only while free, a sleep only once woken.
    bool enabled(unsigned thread) const noexcept {
        if ((gated_ & bit_of(thread)) == 0) return true;
        const Slot& slot = slots_[thread];
        return slot.pending.access == Access::lock ? !held(slot.pending.object) : slot.woken || draining_;
    }

    // The live threads that may move now, one bit each: computed once a decision,
    // looking only at the threads whose step may wait.
    std::uint32_t can_move() const noexcept {
        std::uint32_t mask = live_ & ~gated_;
        for (std::uint32_t rest = gated_; rest != 0; rest &= rest - 1) {
            const auto thread = static_cast<unsigned>(std::countr_zero(rest));
            if (enabled(thread)) mask |= bit_of(thread);
        }
        return mask;
    }

    // An enclave lock's acquire and release (see the top): a held one still blocks.
    static bool never_decides(const Pending& pending) noexcept { return pending.shared == ModelShared::enclave_lock; }

    bool decides(const Pending& pending) const noexcept {
        if (never_decides(pending)) return false;
        if (points_ == Points::all) return true;
        switch (pending.access) {
            case Access::load:
            case Access::store:
            case Access::rmw: return is_counter_cell(pending.shared);
            case Access::lock:
            case Access::unlock: return false;  // a lock that is held still blocks: enabled() says so
            case Access::wait:
            case Access::sleep:
            case Access::wake:
            case Access::retry: return true;
        }
        return true;
    }

    // One more access of the running step (the last recorded one). The fields
    // one by one, written in place: a StepKey built on the stack and copied
    // whole stalled on store forwarding, as Pending did.
    void touch(Access access, const void* object, Shared shared, unsigned index) {
        if (draining_ || footprint_begin_.empty()) return;  // empty: no footprints recorded, or the start
        touches_.emplace_back(access, object, shared, index);
    }

    // The value a thread's last step left in its cell, read at its next point:
    // nothing else has run in between.
    void close_step(unsigned self) noexcept {
        Slot& me = slots_[self];
        if (me.open_step == SIZE_MAX) return;
        steps_[me.open_step].has_value = true;
        steps_[me.open_step].value = me.open_read(me.open_object);
        me.open_step = SIZE_MAX;
    }

    // The scheduler running on the calling OS thread (run() sets it; with fibers,
    // every explored thread shares it). initial-exec: read at every pause point,
    // so a plain %fs-relative load rather than a call to __tls_get_addr.
    [[gnu::tls_model("initial-exec")]] static inline thread_local Scheduler* t_current = nullptr;

    const unsigned threads_;
    Chooser& chooser_;
    const Points points_;
    const long max_steps_;
    Absorbing absorbing_;
    const Engine engine_;
    const Recording recording_;  // the chooser's (Chooser::recording)
    const bool ask_when_forced_;  // Chooser::asked_when_forced
    // The preemptions after which the running thread that can go on is forced
    // on unasked: the chooser's bound where it is not asked when forced, else none.
    const long unasked_after_;
    bool bound_forced_ = false;  // some decision was forced by the bound with another thread able to move
    std::vector<Slot> slots_;
    // The fiber engine's contexts: the calling thread's, then one per explored thread.
    struct FiberStart {
        Scheduler* scheduler;
        unsigned thread;
    };
    const std::function<void(unsigned)>* body_ = nullptr;
    std::unique_ptr<Fiber> caller_;
    std::vector<std::unique_ptr<Fiber>> fibers_;
    std::vector<FiberStart> starts_;
    std::vector<std::pair<const void*, unsigned>> owners_;  // held locks and their holders
    // The threads parked at a point (live), those of them whose step may wait
    // (may_wait), and those parked at a retry (the absorbing test is asked
    // only when there is one): masks, so a decision's can_move() looks at no
    // other thread. Kept apart by other fields: side by side, the compiler
    // cleared two at once with one 8-byte operation, which stalled on the
    // 4-byte stores just made to them.
    std::uint32_t live_ = 0;
    std::uint32_t yielders_ = 0;  // the threads whose yields_to is not empty: a grant looks only at them
    std::uint32_t gated_ = 0;
    Outcome ending_ = Outcome::correct;
    std::uint32_t retrying_ = 0;
    std::binary_semaphore done_{0};
    bool starting_ = true;
    bool draining_ = false;
    StopFlag winding_down_;  // raised with draining_
    bool aborted_ = false;
    unsigned running_ = kNoThread;
    // The explored thread that holds control: hand() passes it on with control,
    // so it follows the explored thread, not the OS thread.
    unsigned current_ = 0;
    long decisions_ = 0;
    long preemptions_ = 0;
    std::vector<unsigned> schedule_;
    std::vector<Step> steps_;  // Recording::trace only
    std::vector<StepKey> touches_;               // every recorded step's footprint, in order
    std::vector<std::size_t> footprint_begin_;   // where step i's starts in touches_
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
        scheduler->point(access, shared, index, &object, reader<Object>());
    }

private:
    template <class Object>
    static constexpr auto reader() noexcept -> long (*)(const void*) noexcept {
        if constexpr (std::is_same_v<Object, long>) {
            // Only the running thread reads, after its own step: no race.
            return [](const void* cell) noexcept -> long { return *static_cast<const volatile long*>(cell); };
        } else if constexpr (std::is_same_v<Object, std::atomic<long>>) {
            // Relaxed: one OS thread (fibers) or the baton's semaphore (threads) orders every earlier store.
            return [](const void* cell) noexcept -> long {
                return static_cast<const std::atomic<long>*>(cell)->load(std::memory_order_relaxed);
            };
        } else {
            return nullptr;
        }
    }
};

}  // namespace sgx::explore

namespace sgx {
// One explored thread moves at a time: the model's timings would time the scheduler (counters/pause.hpp).
template <>
inline constexpr bool runs_in_real_time<explore::Scheduled> = false;
}  // namespace sgx
