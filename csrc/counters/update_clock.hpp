// UpdateClock: a pause policy that stamps the time of every update of the one
// shared count, per thread, so a run can count how often two threads updated it
// at the same moment (the only moments a plain update can be lost).
//
// The stamp is taken at the update's pause point: just before the one
// read-modify-write instruction (PlainUpdate::in_place, atomic), or between the
// load and the store (PlainUpdate::load_store, where the window opens). It
// costs one steady_clock read (about 20 ns through the vDSO) and one store to
// the thread's own buffer per update, so a clocked run is a little slower than
// a plain one and says so; runs that do not ask for it use NoPause and pay
// nothing. Reads of the count, and the cells of per_node, percpu_batch and
// striped, are not stamped: only updates of Shared::counter are.
//
// Each thread stamps into its own UpdateTimes, installed for the thread's
// lifetime by ClockedThread; a thread with none installed (the caller that
// builds the pool, whose boot frees come before any run) stamps nothing.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "counters/pause.hpp"

namespace sgx {

// One thread's stamps: steady_clock nanoseconds, in the order it made them, up
// to a limit fixed before the run (the buffer never grows while the run goes).
class UpdateTimes {
public:
    explicit UpdateTimes(std::size_t limit) { stamps_.reserve(limit); }

    void record() noexcept {
        if (stamps_.size() == stamps_.capacity()) [[unlikely]] {
            full_ = true;
            return;
        }
        stamps_.push_back(std::chrono::steady_clock::now().time_since_epoch().count());
    }

    const std::vector<long long>& stamps() const noexcept { return stamps_; }
    bool full() const noexcept { return full_; }  // updates past the limit went unstamped

private:
    std::vector<long long> stamps_;
    bool full_ = false;
};

struct UpdateClock {
    // The calling thread's buffer, or none.
    static inline thread_local UpdateTimes* times = nullptr;

    template <class Object>
    static void at(Access access, Shared what, unsigned, const Object&) noexcept {
        // An update's point is rmw (one instruction) or store (load_store, after its
        // load); a read's is load, which is never stamped.
        if (what != Shared::counter || (access != Access::rmw && access != Access::store)) return;
        if (UpdateTimes* mine = times) mine->record();
    }
};

// A strategy whose every update goes to one shared count (Shared::counter), so
// UpdateClock can stamp them all: it says so with `static constexpr bool
// one_shared_count = true;`. The strategies with counts per node, per CPU or
// per stripe have no such member, and no clocked run.
template <class Counter>
concept OneSharedCount = requires {
    { Counter::one_shared_count } -> std::convertible_to<bool>;
} && Counter::one_shared_count;

// RAII: installs a thread's UpdateTimes for the scope when the pool's pause
// policy is UpdateClock; with any other policy it does nothing at all.
template <class Pause>
class ClockedThread {
public:
    explicit ClockedThread([[maybe_unused]] UpdateTimes* times) noexcept {
        if constexpr (std::is_same_v<Pause, UpdateClock>) UpdateClock::times = times;
    }
    ~ClockedThread() {
        if constexpr (std::is_same_v<Pause, UpdateClock>) UpdateClock::times = nullptr;
    }
    ClockedThread(const ClockedThread&) = delete;
    ClockedThread& operator=(const ClockedThread&) = delete;
};

}  // namespace sgx
