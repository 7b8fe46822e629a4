// The scheduler's handoffs (fibers or a baton) and its view of each step; see scheduler.hpp.
#include "explore/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

#include "model/shared_objects.hpp"

namespace sgx::explore {
namespace {

// The scheduler and explored thread running on the calling OS thread: with
// fibers, t_thread is switched with the context (hand() sets it before each
// switch), so it follows the explored thread, not the OS thread.
// initial-exec: read at every pause point, so a plain %fs-relative load rather
// than a call to __tls_get_addr (two words of glibc's static TLS reserve).
[[gnu::tls_model("initial-exec")]] thread_local Scheduler* t_scheduler = nullptr;
[[gnu::tls_model("initial-exec")]] thread_local unsigned t_thread = 0;

constexpr std::uint32_t bit(unsigned thread) noexcept { return std::uint32_t{1} << thread; }

// A run's record buffers, kept between the runs of one OS thread (recycle()):
// a search makes a run every few microseconds and keeps almost none of them.
struct RecordBuffers {
    std::vector<Step> steps;
    std::vector<unsigned> schedule;
    std::vector<StepKey> touches;
    std::vector<std::size_t> footprint_begin;
};
thread_local RecordBuffers t_spare;

// `into` gets `spare`'s room (emptied) when it has more than `into` has.
template <class T>
void reuse(std::vector<T>& into, std::vector<T>& spare) noexcept {
    if (spare.capacity() <= into.capacity()) return;
    spare.clear();
    into.swap(spare);
}

}  // namespace

Scheduler::Scheduler(unsigned threads, Chooser& chooser, Points points, long max_steps, Absorbing absorbing,
                     Engine engine)
    : threads_(threads),
      chooser_(chooser),
      points_(points),
      max_steps_(max_steps),
      absorbing_(std::move(absorbing)),
      engine_(engine),
      slots_(threads),
      errors_(threads) {
    // A run of the reduced scenarios is a few dozen to a few hundred steps:
    // room for them up front rather than a reallocation at every doubling.
    // The buffers the last run on this OS thread gave back come first.
    reuse(steps_, t_spare.steps);
    reuse(schedule_, t_spare.schedule);
    reuse(touches_, t_spare.touches);
    reuse(footprint_begin_, t_spare.footprint_begin);
    constexpr std::size_t kSteps = 256;
    steps_.reserve(kSteps);
    schedule_.reserve(kSteps);
    footprint_begin_.reserve(kSteps);
    touches_.reserve(2 * kSteps);
    owners_.reserve(4);
}

void Scheduler::recycle(ScheduleRun& run) noexcept {
    reuse(t_spare.steps, run.steps);
    reuse(t_spare.schedule, run.schedule);
    reuse(t_spare.touches, run.touches);
    reuse(t_spare.footprint_begin, run.footprint_begin);
    run.steps.clear();
    run.schedule.clear();
    run.touches.clear();
    run.footprint_begin.clear();
}

void Scheduler::take_record(ScheduleRun& run) noexcept {
    run.schedule = std::move(schedule_);
    run.steps = std::move(steps_);
    run.preemptions = preemptions_;
    run.touches = std::move(touches_);
    run.footprint_begin = std::move(footprint_begin_);
}

Scheduler* Scheduler::current() noexcept { return t_scheduler; }

void Scheduler::run(const std::function<void(unsigned)>& body) {
    if (engine_ == Engine::fibers) {
        run_fibers(body);
    } else {
        run_threads(body);
    }
}

void Scheduler::run_fibers(const std::function<void(unsigned)>& body) {
    if (t_scheduler != nullptr) throw std::logic_error("a scheduled run inside another scheduled run");
    body_ = &body;
    caller_ = std::make_unique<Fiber>();
    fibers_.reserve(threads_);
    starts_.reserve(threads_);
    for (unsigned thread = 0; thread < threads_; ++thread) {
        starts_.push_back({this, thread});
        fibers_.push_back(std::make_unique<Fiber>(FiberStack::take(), &Scheduler::fiber_body, &starts_.back()));
    }
    t_scheduler = this;
    t_thread = 0;
    switch_to(*caller_, *fibers_[0], false);  // back here once every explored thread has finished
    t_scheduler = nullptr;
    fibers_.clear();  // their stacks go back to this OS thread's cache
    caller_.reset();
    for (const auto& error : errors_) {
        if (error) std::rethrow_exception(error);
    }
}

// An explored thread's whole life as a fiber: its body, then leave(), which
// hands control on for good.
void Scheduler::fiber_body(void* start) noexcept {
    const auto [self, thread] = *static_cast<const FiberStart*>(start);
    try {
        (*self->body_)(thread);
    } catch (...) {
        self->errors_[thread] = std::current_exception();
    }
    self->leave(thread);
    std::terminate();  // cannot happen: a finished fiber is never switched back to
}

// Control passes from `self` (running) to `next`; returns when `self` is chosen again.
void Scheduler::hand(unsigned self, unsigned next) noexcept {
    const bool done = slots_[self].finished;
    if (engine_ == Engine::fibers) {
        t_thread = next;
        switch_to(*fibers_[self], *fibers_[next], done);
        t_thread = self;
        return;
    }
    slots_[next].baton.release();
    if (!done) slots_[self].baton.acquire();
}

// The last explored thread finished: back to the caller of run().
void Scheduler::all_done(unsigned self) noexcept {
    if (engine_ == Engine::fibers) {
        switch_to(*fibers_[self], *caller_, true);
        return;  // not reached
    }
    done_.release();
}

void Scheduler::run_threads(const std::function<void(unsigned)>& body) {
    std::vector<std::thread> team;
    team.reserve(threads_);
    const auto thread_body = [this, &body](unsigned self) {
        enter(self);
        if (!aborted_) {
            try {
                body(self);
            } catch (...) {
                errors_[self] = std::current_exception();
            }
        }
        leave(self);
    };
    try {
        for (unsigned thread = 0; thread < threads_; ++thread) team.emplace_back(thread_body, thread);
    } catch (...) {
        // Could not start them all: the ones started wait at their batons; let
        // them go without running their bodies, then report the failure.
        aborted_ = true;
        for (std::size_t thread = 0; thread < team.size(); ++thread) slots_[thread].baton.release();
        for (auto& thread : team) thread.join();
        throw;
    }
    slots_[0].baton.release();
    done_.acquire();
    for (auto& thread : team) thread.join();
    for (const auto& error : errors_) {
        if (error) std::rethrow_exception(error);
    }
}

void Scheduler::enter(unsigned self) {
    t_scheduler = this;
    t_thread = self;
    slots_[self].baton.acquire();
}

void Scheduler::leave(unsigned self) noexcept {
    if (engine_ == Engine::threads) t_scheduler = nullptr;  // a fiber's OS thread still runs the others
    if (aborted_) return;
    close_step(self);
    Slot& me = slots_[self];
    me.finished = true;
    me.has_pending = false;
    if (starting_) {
        hand_on_at_start(self);
    } else {
        decide(self);
    }
}

void Scheduler::point(Access access, Shared shared, unsigned index, const void* object,
                      long (*read)(const void*) noexcept) noexcept {
    const unsigned self = t_thread;
    close_step(self);
    Slot& me = slots_[self];
    me.pending = {access, shared, index, object, read};
    me.has_pending = true;
    const Pending& pending = me.pending;
    const bool in_place = !draining_ && !decides(pending);
    if (in_place && enabled(self)) {
        // Taken in place, part of the running step's footprint. A step that is
        // never a decision is no move of its own either: it leaves the running
        // thread as it was (during the start, none).
        if (!starting_) touch({pending.access, pending.object, pending.shared, pending.index});
        grant(self, false, false, !never_decides(pending));
        return;
    }
    // A point that would have been taken in place but blocks (a held lock) ends
    // the step because of what the step saw there: part of its footprint too.
    if (!starting_ && in_place) touch({pending.access, pending.object, pending.shared, pending.index});
    if (starting_) {
        hand_on_at_start(self);
        return;
    }
    if (pending.access == Access::retry) {
        // Fair yield: it may not retry again before every other thread that
        // can move now has moved once.
        me.yields_to = can_move() & ~bit(self);
        yielders_ = me.yields_to != 0 ? yielders_ | bit(self) : yielders_ & ~bit(self);
    }
    decide(self);
}

// Every thread first runs alone up to its first point, in index order, so the
// first decision sees each one's first step.
void Scheduler::hand_on_at_start(unsigned self) noexcept {
    if (self + 1 < threads_) {
        hand(self, self + 1);
        return;
    }
    starting_ = false;
    decide(self);
}

// `can_move`: can_move(), computed once by the caller, which needs it again.
Decision Scheduler::decision(std::uint32_t can_move) const noexcept {
    Decision decision;
    for (std::uint32_t rest = can_move; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if ((slots_[thread].yields_to & can_move) == 0) decision.enabled |= bit(thread);
    }
    if (decision.enabled == 0) decision.enabled = can_move;  // cannot happen; never lose a thread that can move
    decision.running = running_;
    decision.running_can_go_on = running_ != kNoThread && (decision.enabled & bit(running_)) != 0 &&
                                 slots_[running_].pending.access != Access::retry;
    if (!steps_.empty() && !draining_) decision.ended = footprint(steps_.size() - 1);
    return decision;
}

void Scheduler::decide(unsigned self) noexcept {
    for (;;) {
        if (!draining_ && ++decisions_ > max_steps_) drain(Outcome::step_limit);
        if (!draining_ && absorbing_) {
            Scheduler* const saved = std::exchange(t_scheduler, nullptr);  // points inside the test pass through
            const bool stuck_for_good = absorbing_(*this);
            t_scheduler = saved;
            if (stuck_for_good) drain(Outcome::hang);
        }
        const std::uint32_t movable = can_move();
        const Decision now = decision(movable);
        if (now.enabled == 0) {
            if (std::all_of(slots_.begin(), slots_.end(), [](const Slot& slot) { return slot.finished; })) {
                all_done(self);
                return;
            }
            if (draining_) std::terminate();  // cannot happen: draining wakes every sleeper, and a lock's holder can move
            drain(Outcome::deadlock);
            continue;
        }
        unsigned next = kNoThread;
        if (draining_) {
            next = now.running_can_go_on ? now.running : static_cast<unsigned>(std::countr_zero(now.enabled));
        } else {
            next = chooser_.choose(now);
            if (next == Chooser::kAbandon || next >= threads_ || (now.enabled & bit(next)) == 0) {
                drain(Outcome::pruned);
                continue;
            }
        }
        const bool preemption = now.running_can_go_on && next != now.running;
        // Forced rather than chosen: the thread before waits for a lock another
        // holds (live but not among those that can move).
        const bool blocked = !preemption && running_ != kNoThread && next != running_ && live(running_) &&
                             slots_[running_].pending.access == Access::lock && (movable & bit(running_)) == 0;
        grant(next, !draining_, preemption);
        if (blocked && !draining_) steps_.back().blocked = true;
        if (next == self) return;
        hand(self, next);
        return;
    }
}

void Scheduler::grant(unsigned thread, bool record, bool preemption, bool moves) noexcept {
    Slot& slot = slots_[thread];
    const Pending& step = slot.pending;
    switch (step.access) {
        case Access::lock: owners_.emplace_back(step.object, thread); break;
        case Access::unlock:
            owners_.erase(std::find_if(owners_.begin(), owners_.end(),
                                       [&](const auto& owner) { return owner.first == step.object; }));
            break;
        case Access::wait:
            slot.waiting = true;
            slot.woken = false;
            slot.queue = step.object;
            break;
        case Access::sleep: slot.waiting = false; break;
        case Access::wake:
            for (Slot& other : slots_) {
                if (other.waiting && other.queue == step.object) other.woken = true;
            }
            break;
        default: break;
    }
    if (record) {
        footprint_begin_.push_back(touches_.size());
        touch({step.access, step.object, step.shared, step.index});
    }
    if (step.access == Access::retry) slot.yielded = slot.yields_to != 0;
    if (yielders_ != 0) release_yields(thread);
    if (slot.yielded && step.access != Access::retry && !draining_ && !starting_) {
        touch({Access::store, &slot.yields_to, kFairYield, thread});
        slot.yielded = false;
    }
    slot.has_pending = false;
    if (moves) running_ = thread;
    if (!record) return;
    preemptions_ += preemption ? 1 : 0;
    schedule_.push_back(thread);
    steps_.push_back({thread, step.access, step.shared, step.index, false, 0, preemption});
    if (step.read != nullptr) {
        slot.open_step = steps_.size() - 1;
        slot.open_read = step.read;
        slot.open_object = step.object;
    }
}

// The fair yield: a thread that retried may move again only once the others
// have. Its step after that and every step that let it go touch its
// yields_to, so they are dependent (a reduction may not reorder them). Only
// the threads in yielders_ can have `thread` in their yields_to.
void Scheduler::release_yields(unsigned thread) noexcept {
    for (std::uint32_t rest = yielders_; rest != 0; rest &= rest - 1) {
        const auto other = static_cast<unsigned>(std::countr_zero(rest));
        std::uint32_t& yields_to = slots_[other].yields_to;
        if ((yields_to & bit(thread)) == 0) continue;
        if (!draining_ && !starting_) touch({Access::store, &yields_to, kFairYield, other});
        yields_to &= ~bit(thread);
        if (yields_to == 0) yielders_ &= ~bit(other);
    }
}

void Scheduler::drain(Outcome why) noexcept {
    if (!draining_) ending_ = why;
    draining_ = true;
    winding_down_.request();
}

}  // namespace sgx::explore
