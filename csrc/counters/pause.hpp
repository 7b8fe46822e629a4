// Pause points: every shared access the model makes, named, so a policy can
// stop the thread there. A point sits just *before* its access.
//
// Every strategy and EpcPool call Pause::at(access, what, index, object) at each
// access to shared state: a counter's load and store (or its one atomic
// read-modify-write), a per-node, per-CPU or striped cell, a lock's acquire and
// release. Pause is a template parameter: the strategies users run take
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
enum class Shared : std::uint8_t {
    counter,      // the one global count (plain, atomic or under the global lock)
    node_count,   // per_node's count of node `index`
    cpu_delta,    // percpu_batch's delta of slot `index`
    stripe,       // striped's cell `index`
    node_lock,    // the free list lock of node `index`
    global_lock,  // plain_global_lock's and percpu_batch's one lock
    active_list,  // the enclave's active list (sgx_active_page_list under its lock)
    page_table,   // enclave page `index`: resident or evicted
    ksgxd_queue,  // ksgxd_waitq
    none,         // a retry touches nothing
};

struct NoPause {
    template <class Object>
    static void at(Access, Shared, unsigned, const Object&) noexcept {}
};

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
