// The paused update's two threads for one strategy type, and the pause policy
// that holds the victim open. run_paused_update_with<Counter>() is what a
// registered strategy runs (registry/), with InjectedPause as its pause policy.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "base/errors.hpp"
#include "counters/counter_options.hpp"
#include "counters/pause.hpp"
#include "harness/paused_update.hpp"
#include "model/epc_pool.hpp"

namespace sgx {

// What the victim and the rival tell each other.
struct PauseWindow {
    std::mutex mutex;
    std::condition_variable changed;
    bool victim_paused = false;
    bool rival_done = false;
    bool rival_finished_in_pause = false;
    std::chrono::duration<double> limit{};
    const StopFlag* stop = nullptr;

    // Waits, with `hold` locked, until `done()`, the limit passes or a stop is
    // requested; true if `done()`. A StopFlag cannot wake a condition variable,
    // so the wait looks at it every kStopLook: pause_limit may be 10 s, Ctrl-C
    // must not wait that long.
    template <class Done>
    bool wait_until(std::unique_lock<std::mutex>& hold, Done done) {
        constexpr std::chrono::milliseconds kStopLook{20};
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (stop->requested() || std::chrono::steady_clock::now() >= deadline) return false;
            changed.wait_for(hold, kStopLook, done);
        }
        return true;
    }
};

// The Pause policy of the test mode: the armed thread stops at its first store
// (or its one read-modify-write), which is the gap between a load and its store,
// until the rival is done or the limit passes. It may hold a node lock or the
// global lock meanwhile, as a preempted CPU would.
struct InjectedPause {
    // Set by the victim thread alone, for its next pause point only; every other
    // thread sees nullptr and passes straight through.
    static inline thread_local PauseWindow* armed_window = nullptr;

    template <class Object>
    static void at(Access access, Shared, unsigned, const Object&) noexcept {
        if (access != Access::store && access != Access::rmw) return;
        PauseWindow* window = armed_window;
        if (window == nullptr) return;
        armed_window = nullptr;
        std::unique_lock hold(window->mutex);
        window->victim_paused = true;
        window->changed.notify_all();
        window->rival_finished_in_pause = window->wait_until(hold, [&] { return window->rival_done; });
    }
};

// Runs the victim and the rival on a fresh pool of `Counter`s, whose pause
// policy must be InjectedPause; `config` must be validated and `options` its
// counter options (the plain updates in their load/store form).
template <CounterStrategy Counter>
    requires std::same_as<typename Counter::pause_policy, InjectedPause>
PausedUpdateStats run_paused_update_with(const PausedUpdateConfig& config, const CounterOptions& options,
                                         const StopFlag& stop) {
    constexpr unsigned kVictimNode = 0;
    constexpr unsigned kRivalNode = 1;
    // Node 1 holds every page the rival takes, so it never falls back to node 0,
    // whose lock the victim may hold.
    const auto pages_per_node = static_cast<long long>(config.rival_updates);
    EpcPool<Counter> pool(PoolShape::checked(2, pages_per_node), options, NodeSearch::fixed_2024, &stop);
    PauseWindow window;
    window.limit = std::chrono::duration<double>(config.pause_limit_seconds);
    window.stop = &stop;

    // jthreads: if the rival cannot be started, the victim is still joined (its pause
    // ends at the limit) instead of std::terminate on a joinable thread.
    std::jthread victim([&] {
        InjectedPause::armed_window = &window;
        (void)pool.alloc(kVictimNode, Slot{0});
        InjectedPause::armed_window = nullptr;  // in case the strategy had no pause point on this path
    });
    std::jthread rival([&] {
        {
            std::unique_lock hold(window.mutex);
            window.wait_until(hold, [&] { return window.victim_paused; });
        }
        for (long long update = 0; update < config.rival_updates && !stop.requested(); ++update) {
            (void)pool.alloc(kRivalNode, Slot{1});
        }
        std::lock_guard hold(window.mutex);
        window.rival_done = true;
        window.changed.notify_all();
    });
    victim.join();
    rival.join();

    if (const std::string violation = pool.invariant_violation(); !violation.empty()) {
        throw InvariantError("paused update broke the free lists: " + violation);
    }
    return {window.rival_finished_in_pause, pool.counter(), pool.exact_count(), pool.true_free()};
}

}  // namespace sgx
