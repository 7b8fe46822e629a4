// The paused update's two threads and the pause that holds the victim open.
#include "harness/paused_update.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "base/errors.hpp"
#include "counters/counter_options.hpp"
#include "model/epc_pool.hpp"

namespace sgx {
namespace {

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

// Set by the victim thread alone, for its next pause point only; every other
// thread sees nullptr and passes straight through.
thread_local PauseWindow* armed_window = nullptr;

// The Pause policy of the test mode: the armed thread stops at its first store
// (or its one read-modify-write), which is the gap between a load and its store,
// until the rival is done or the limit passes. It may hold a node lock or the
// global lock meanwhile, as a preempted CPU would.
struct InjectedPause {
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

template <CounterStrategy Counter>
PausedUpdateStats paused_update_with(const PausedUpdateConfig& config, const CounterOptions& options,
                                     const StopFlag& stop) {
    constexpr unsigned kVictimNode = 0;
    constexpr unsigned kRivalNode = 1;
    // Node 1 holds every page the rival takes, so it never falls back to node 0,
    // whose lock the victim may hold.
    const auto pages_per_node = static_cast<long long>(config.rival_updates);
    EpcPool<Counter> pool(PoolShape::checked(2, pages_per_node), options);
    PauseWindow window;
    window.limit = std::chrono::duration<double>(config.pause_limit_seconds);
    window.stop = &stop;

    // jthreads: if the rival cannot be started, the victim is still joined (its pause
    // ends at the limit) instead of std::terminate on a joinable thread.
    std::jthread victim([&] {
        armed_window = &window;
        (void)pool.alloc(kVictimNode, Slot{0});
        armed_window = nullptr;  // in case the strategy had no pause point on this path
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

}  // namespace

void PausedUpdateConfig::validate() const {
    check_range("rival_updates", rival_updates, 1, kMaxRivalUpdates);
    check_seconds("pause_limit", pause_limit_seconds, kMinPauseSeconds, kMaxPauseSeconds);
}

PausedUpdateStats run_paused_update(Strategy strategy, const PausedUpdateConfig& config,
                                    const StopFlag& stop) {
    config.validate();
    CounterOptions options = CounterOptions::checked(0, config.counter_batch, config.packed);
    // The pause holds an update open between its load and its store: the plain
    // strategies' load/store form has that gap (the in-place one is one instruction).
    options.plain_update = PlainUpdate::load_store;
    return with_counter<InjectedPause>(strategy, options.layout,
                                       [&]<class Counter>() { return paused_update_with<Counter>(config, options, stop); });
}

}  // namespace sgx
