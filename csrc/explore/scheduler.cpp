// The scheduler's handoffs (fibers or a baton) and its view of each step; see scheduler.hpp.
#include "explore/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <stdexcept>
#include <utility>

#include "model/shared_objects.hpp"

namespace sgx::explore {
namespace {

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
      recording_(chooser.recording()),
      ask_when_forced_(chooser.asked_when_forced()),
      unasked_after_(ask_when_forced_ ? LONG_MAX : chooser.preemption_bound()),
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
    run.bound_forced = bound_forced_;
    run.touches = std::move(touches_);
    run.footprint_begin = std::move(footprint_begin_);
}

void Scheduler::run(const std::function<void(unsigned)>& body) {
    if (engine_ == Engine::fibers) {
        run_fibers(body);
    } else {
        run_threads(body);
    }
}

void Scheduler::run_fibers(const std::function<void(unsigned)>& body) {
    if (t_current != nullptr) throw std::logic_error("a scheduled run inside another scheduled run");
    body_ = &body;
    caller_ = std::make_unique<Fiber>();
    fibers_.reserve(threads_);
    starts_.reserve(threads_);
    for (unsigned thread = 0; thread < threads_; ++thread) {
        starts_.push_back({this, thread});
        fibers_.push_back(std::make_unique<Fiber>(FiberStack::take(), &Scheduler::fiber_body, &starts_.back()));
    }
    t_current = this;
    current_ = 0;
    switch_to(*caller_, *fibers_[0], false);  // back here once every explored thread has finished
    t_current = nullptr;
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
    current_ = next;  // before the switch or the baton, which orders it for `next`
    if (engine_ == Engine::fibers) {
        switch_to(*fibers_[self], *fibers_[next], done);
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
    t_current = this;
    slots_[self].baton.acquire();
}

void Scheduler::leave(unsigned self) noexcept {
    if (engine_ == Engine::threads) t_current = nullptr;  // a fiber's OS thread still runs the others
    if (aborted_) return;
    close_step(self);
    Slot& me = slots_[self];
    me.finished = true;
    live_ &= ~bit_of(self);
    gated_ &= ~bit_of(self);
    if (starting_) {
        hand_on_at_start(self);
    } else {
        decide(self);
    }
}

[[gnu::flatten]] void Scheduler::point(Access access, Shared shared, unsigned index, const void* object,
                      long (*read)(const void*) noexcept) noexcept {
    const unsigned self = current_;
    if (recording_ == Recording::trace) close_step(self);  // only a trace reads values
    Slot& me = slots_[self];
    me.pending = {access, shared, index, object, read};
    live_ |= bit_of(self);
    if (may_wait(access)) gated_ |= bit_of(self);
    if (access == Access::retry) retrying_ |= bit_of(self);
    const Pending& pending = me.pending;
    const bool in_place = !draining_ && !decides(pending);
    if (in_place && enabled(self)) {
        // Taken in place, part of the running step's footprint. A step that is
        // never a decision is no move of its own either: it leaves the running
        // thread as it was (during the start, none).
        if (!starting_) touch(pending.access, pending.object, pending.shared, pending.index);
        grant(self, false, false, !never_decides(pending));
        return;
    }
    // A point that would have been taken in place but blocks (a held lock) ends
    // the step because of what the step saw there: part of its footprint too.
    if (!starting_ && in_place) touch(pending.access, pending.object, pending.shared, pending.index);
    if (starting_) {
        hand_on_at_start(self);
        return;
    }
    if (pending.access == Access::retry) {
        // Fair yield: it may not retry again before every other thread that
        // can move now has moved once.
        me.yields_to = can_move() & ~bit_of(self);
        yielders_ = me.yields_to != 0 ? yielders_ | bit_of(self) : yielders_ & ~bit_of(self);
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

// The threads that may move now less those the fair yield holds back: only a
// thread that yields can be, by one it yields to that can move.
std::uint32_t Scheduler::unyielding(std::uint32_t can_move) const noexcept {
    std::uint32_t enabled = can_move;
    for (std::uint32_t rest = yielders_ & can_move; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if ((slots_[thread].yields_to & can_move) != 0) enabled &= ~bit_of(thread);
    }
    return enabled != 0 ? enabled : can_move;  // 0 cannot happen; never lose a thread that can move
}

// The recorded step that ended at this decision (none when footprints are not recorded).
Footprint Scheduler::ended() const noexcept {
    if (footprint_begin_.empty()) return {};
    return footprint(footprint_begin_.size() - 1);
}

void Scheduler::decide(unsigned self) noexcept {
    for (;;) {
        if (!draining_ && ++decisions_ > max_steps_) drain(Outcome::step_limit);
        std::uint32_t movable = can_move();
        if (!draining_ && retrying_ != 0 && (movable & ~retrying_) == 0 && absorbing_) {
            Scheduler* const saved = std::exchange(t_current, nullptr);  // points inside the test pass through
            const bool stuck_for_good = absorbing_(*this);
            t_current = saved;
            if (stuck_for_good) {
                drain(Outcome::hang);
                movable = can_move();  // a sleeper may move now
            }
        }
        const std::uint32_t enabled = unyielding(movable);
        const unsigned running = running_;
        const bool can_go_on = running != kNoThread && (enabled & bit_of(running)) != 0 &&
                               slots_[running].pending.access != Access::retry;
        if (enabled == 0) {
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
            next = can_go_on ? running : static_cast<unsigned>(std::countr_zero(enabled));
        } else if (!ask_when_forced_ && (enabled & (enabled - 1)) == 0) {
            next = static_cast<unsigned>(std::countr_zero(enabled));  // the one thread that can move
        } else if (can_go_on && preemptions_ >= unasked_after_) {
            next = running;  // any other would exceed the bound (never true for a chooser asked when forced)
            bound_forced_ = true;
        } else {
            next = chooser_.choose(enabled, running, can_go_on, ended());
            if (next == Chooser::kAbandon || next >= threads_ || (enabled & bit_of(next)) == 0) {
                drain(Outcome::pruned);
                continue;
            }
        }
        const bool preemption = can_go_on && next != running;
        // Forced rather than chosen: the thread before waits for a lock another
        // holds (live but not among those that can move). Only a trace shows it.
        const bool blocked = recording_ == Recording::trace && !draining_ && !preemption && running != kNoThread &&
                             next != running && live(running) && slots_[running].pending.access == Access::lock &&
                             (movable & bit_of(running)) == 0;
        grant(next, !draining_, preemption);
        if (blocked) steps_.back().blocked = true;
        if (next == self) return;
        hand(self, next);
        return;
    }
}

// Flattened: with the whole module linked at once (LTO) the compiler ran out of
// inlining budget and left each push_back here a call of its own.
[[gnu::flatten]] void Scheduler::grant(unsigned thread, bool record, bool preemption, bool moves) noexcept {
    Slot& slot = slots_[thread];
    const Pending& step = slot.pending;
    // What the step does to the scheduler's view. Loads, stores and rmws (most
    // steps) do nothing here. Two tests and a call rather than a switch, whose
    // jump through a table was mispredicted at about every other step.
    if (step.access == Access::lock) {
        owners_.emplace_back(step.object, thread);
    } else if (step.access == Access::unlock) {
        owners_.erase(std::find_if(owners_.begin(), owners_.end(),
                                   [&](const auto& owner) { return owner.first == step.object; }));
    } else if (step.access >= Access::wait) {
        on_queue(slot);
    }
    if (record && recording_ != Recording::schedule) {
        footprint_begin_.push_back(touches_.size());
        touch(step.access, step.object, step.shared, step.index);
    }
    if (step.access == Access::retry) slot.yielded = slot.yields_to != 0;
    if (yielders_ != 0) release_yields(thread);
    if (slot.yielded && step.access != Access::retry && !draining_ && !starting_) {
        touch(Access::store, &slot.yields_to, kFairYield, thread);
        slot.yielded = false;
    }
    live_ &= ~bit_of(thread);
    gated_ &= ~bit_of(thread);
    retrying_ &= ~bit_of(thread);
    if (moves) running_ = thread;
    if (!record) return;
    preemptions_ += preemption ? 1 : 0;
    schedule_.push_back(thread);
    if (recording_ != Recording::trace) return;
    steps_.push_back({thread, step.access, step.shared, step.index, false, 0, preemption});
    if (step.read != nullptr) {
        slot.open_step = steps_.size() - 1;
        slot.open_read = step.read;
        slot.open_object = step.object;
    }
}

// A wait, a sleep or a wake-up: ksgxd's wait queue as the scheduler sees it.
void Scheduler::on_queue(Slot& slot) noexcept {
    const Pending& step = slot.pending;
    if (step.access == Access::wait) {
        slot.waiting = true;
        slot.woken = false;
        slot.queue = step.object;
    } else if (step.access == Access::sleep) {
        slot.waiting = false;
    } else if (step.access == Access::wake) {
        for (Slot& other : slots_) {
            if (other.waiting && other.queue == step.object) other.woken = true;
        }
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
        if ((yields_to & bit_of(thread)) == 0) continue;
        if (!draining_ && !starting_) touch(Access::store, &yields_to, kFairYield, other);
        yields_to &= ~bit_of(thread);
        if (yields_to == 0) yielders_ &= ~bit_of(other);
    }
}

void Scheduler::drain(Outcome why) noexcept {
    if (!draining_) ending_ = why;
    draining_ = true;
    winding_down_.request();
}

}  // namespace sgx::explore
