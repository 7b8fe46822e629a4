// The scheduler's baton passing; see scheduler.hpp.
#include "explore/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "model/shared_objects.hpp"

namespace sgx::explore {
namespace {

// The scheduler and thread index of the calling thread while it runs a body.
thread_local Scheduler* t_scheduler = nullptr;
thread_local unsigned t_thread = 0;

constexpr std::uint32_t bit(unsigned thread) noexcept { return std::uint32_t{1} << thread; }

}  // namespace

Scheduler::Scheduler(unsigned threads, Chooser& chooser, Points points, long max_steps, Absorbing absorbing)
    : threads_(threads),
      chooser_(chooser),
      points_(points),
      max_steps_(max_steps),
      absorbing_(std::move(absorbing)),
      slots_(threads),
      errors_(threads) {}

Scheduler* Scheduler::current() noexcept { return t_scheduler; }

void Scheduler::run(const std::function<void(unsigned)>& body) {
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
    t_scheduler = nullptr;
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

void Scheduler::point(const Pending& pending) noexcept {
    const unsigned self = t_thread;
    close_step(self);
    Slot& me = slots_[self];
    me.pending = pending;
    me.has_pending = true;
    if (!draining_ && !decides(pending) && enabled(self)) {
        // Taken in place. A step that is never a decision is no move of its own
        // either: it leaves the running thread as it was (during the start, none).
        grant(self, false, false, !never_decides(pending));
        return;
    }
    if (starting_) {
        hand_on_at_start(self);
        return;
    }
    if (pending.access == Access::retry) {
        // Fair yield: it may not retry again before every other thread that
        // can move now has moved once.
        std::uint32_t others = 0;
        for (unsigned thread = 0; thread < threads_; ++thread) {
            if (thread != self && live(thread) && enabled(thread)) others |= bit(thread);
        }
        me.yields_to = others;
    }
    decide(self);
}

// Every thread first runs alone up to its first point, in index order, so the
// first decision sees each one's first step.
void Scheduler::hand_on_at_start(unsigned self) noexcept {
    if (self + 1 < threads_) {
        slots_[self + 1].baton.release();
        if (!slots_[self].finished) slots_[self].baton.acquire();
        return;
    }
    starting_ = false;
    decide(self);
}

// An enclave lock's acquire and release (see scheduler.hpp): a held one still blocks.
bool Scheduler::never_decides(const Pending& pending) noexcept { return pending.shared == ModelShared::enclave_lock; }

bool Scheduler::decides(const Pending& pending) const noexcept {
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

bool Scheduler::enabled(unsigned thread) const noexcept {
    const Slot& slot = slots_[thread];
    switch (slot.pending.access) {
        case Access::lock:
            return std::none_of(owners_.begin(), owners_.end(),
                                [&](const auto& owner) { return owner.first == slot.pending.object; });
        case Access::sleep: return slot.woken || draining_;
        default: return true;
    }
}

bool Scheduler::parked_at(unsigned thread, Access access) const noexcept {
    return live(thread) && slots_[thread].pending.access == access;
}

bool Scheduler::asleep(unsigned thread) const noexcept { return parked_at(thread, Access::sleep) && !slots_[thread].woken; }

Decision Scheduler::decision() const noexcept {
    Decision decision;
    std::uint32_t can_move = 0;
    for (unsigned thread = 0; thread < threads_; ++thread) {
        if (!live(thread)) continue;
        decision.next[thread] = {slots_[thread].pending.access, slots_[thread].pending.object};
        if (enabled(thread)) can_move |= bit(thread);
    }
    for (unsigned thread = 0; thread < threads_; ++thread) {
        if ((can_move & bit(thread)) != 0 && (slots_[thread].yields_to & can_move) == 0) decision.enabled |= bit(thread);
    }
    if (decision.enabled == 0) decision.enabled = can_move;  // cannot happen; never lose a thread that can move
    decision.running = running_;
    decision.running_can_go_on = running_ != kNoThread && (decision.enabled & bit(running_)) != 0 &&
                                 slots_[running_].pending.access != Access::retry;
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
        const Decision now = decision();
        if (now.enabled == 0) {
            if (std::all_of(slots_.begin(), slots_.end(), [](const Slot& slot) { return slot.finished; })) {
                done_.release();
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
        // Forced rather than chosen: the thread before waits for a lock another holds.
        const bool blocked = !preemption && running_ != kNoThread && next != running_ && live(running_) &&
                             slots_[running_].pending.access == Access::lock && !enabled(running_);
        grant(next, !draining_, preemption);
        if (blocked && !draining_) steps_.back().blocked = true;
        if (next == self) return;
        slots_[next].baton.release();
        if (!slots_[self].finished) slots_[self].baton.acquire();
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
    for (Slot& other : slots_) other.yields_to &= ~bit(thread);
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

// The value a thread's last step left in its cell, read at its next point:
// nothing else has run in between.
void Scheduler::close_step(unsigned self) noexcept {
    Slot& me = slots_[self];
    if (me.open_step == SIZE_MAX) return;
    steps_[me.open_step].has_value = true;
    steps_[me.open_step].value = me.open_read(me.open_object);
    me.open_step = SIZE_MAX;
}

void Scheduler::drain(Outcome why) noexcept {
    if (!draining_) ending_ = why;
    draining_ = true;
    winding_down_.request();
}

}  // namespace sgx::explore
