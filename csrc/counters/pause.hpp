// Pause points: every shared access the model makes, named, so a policy can
// stop the thread there. A point sits just *before* its access.
//
// Every strategy, EpcPool and the model's fault path call Pause::at(access,
// what, index, object) at each access to shared state: a counter's load and
// store (or its one atomic read-modify-write), a per-node, per-CPU or striped
// cell, a lock's acquire and release, the active list, ksgxd's wait queue. Pause is a template parameter: the strategies users run take
// NoPause, whose at() is an empty inline function that compiles to nothing, so
// the hot path pays nothing. Two policies do something there:
//   - the paused update (harness/paused_update.cpp) holds one thread at its
//     first store, to force the interleaving that loses an update;
//   - the deterministic scheduler (explore/scheduler.hpp) parks the thread at
//     every point and lets exactly one thread move at a time, so a schedule
//     explorer can run every interleaving of the real code.
// `object` is the accessed object itself: its address says which one, and a
// scheduler reads a counter cell through it to show the value a step saw.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/spinlock.hpp"

namespace sgx {

// What a step does to the shared object it names.
enum class Access : std::uint8_t {
    load,    // reads it
    store,   // writes a value computed from an earlier load
    rmw,     // one indivisible read-modify-write (a lock-prefixed add, a list operation under its lock)
    lock,    // acquires a spinlock; a scheduler lets it happen only while the lock is free
    unlock,  // releases it
    wait,    // prepare_to_wait(): joins a wait queue, then tests its condition
    sleep,   // schedule(): sleeps unless woken since it joined the queue
    wake,    // wake_up() on a wait queue
    retry,   // a failed fault returns to user space and faults again: no shared access
};

// Which shared object a step touches; `index` says which node, slot or cell.
//
// Each floor names its own objects: the counters' cells and locks here, the
// model's (the pool's node locks, the active list, the enclaves' locks, ksgxd's
// wait queue) in model/shared_objects.hpp, from kFirstModelShared on. The
// underlying type is fixed, so a floor above adds names without editing this
// one, and a scheduler tells objects apart by address, never by this kind.
enum class Shared : std::uint8_t {
    counter,      // the one global count (plain, atomic or under the global lock)
    node_count,   // per_node's count of node `index`
    cpu_delta,    // percpu_batch's delta of slot `index`
    stripe,       // striped's cell `index`
    global_lock,  // plain_global_lock's and percpu_batch's one lock
    none,         // no shared object: the point only marks a place in the thread's run (a fault's retry)
};

// The first kind the model's floor names (model/shared_objects.hpp).
inline constexpr std::uint8_t kFirstModelShared = 16;

// A counter cell: a step on it reads or writes a count (a scheduler shows its value).
constexpr bool is_counter_cell(Shared shared) noexcept {
    return shared == Shared::counter || shared == Shared::node_count || shared == Shared::cpu_delta ||
           shared == Shared::stripe;
}

// The counters' own names, for a trace; nullptr for a kind another floor names.
constexpr const char* counter_shared_name(Shared shared) noexcept {
    switch (shared) {
        case Shared::counter: return "counter";
        case Shared::node_count: return "node_count";
        case Shared::cpu_delta: return "cpu_delta";
        case Shared::stripe: return "stripe";
        case Shared::global_lock: return "global_lock";
        case Shared::none: return "none";
    }
    return nullptr;
}

struct NoPause {
    template <class Object>
    static void at(Access, Shared, unsigned, const Object&) noexcept {}
};

// Whether the threads under a policy run in real time. The scheduler's do not
// (explore/scheduler.hpp says false): one moves at a time, so the model's own
// timings (ksgxd's busy time, a fault's wait) would measure the scheduler;
// they read no clock there (a clock read cost 3.7% of a hang search).
template <class Pause>
inline constexpr bool runs_in_real_time = true;

// steady_clock::now() for the model's timings; the epoch where time is not real.
template <class Pause>
std::chrono::steady_clock::time_point model_now() noexcept {
    if constexpr (runs_in_real_time<Pause>) {
        return std::chrono::steady_clock::now();
    } else {
        return {};
    }
}

// A SpinGuard that tells the policy about the acquire and the release: RAII for
// every lock the strategies and the pool take while a policy may be watching.
// With NoPause it is a std::lock_guard<Spinlock> and nothing more.
template <class Pause>
class PausedGuard {
public:
    PausedGuard(Spinlock& lock, Shared what, unsigned index) noexcept : lock_(lock), what_(what), index_(index) {
        Pause::at(Access::lock, what_, index_, lock_);
        lock_.lock();
    }
    ~PausedGuard() {
        Pause::at(Access::unlock, what_, index_, lock_);
        lock_.unlock();
    }
    PausedGuard(const PausedGuard&) = delete;
    PausedGuard& operator=(const PausedGuard&) = delete;

private:
    Spinlock& lock_;
    Shared what_;
    unsigned index_;
};

}  // namespace sgx
