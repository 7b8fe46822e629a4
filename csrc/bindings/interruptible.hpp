// run_interruptibly(): run a long native call off the Python thread, so Ctrl-C works.
//
// CPython runs signal handlers only in the main thread and only when it holds
// the GIL, so a call that sits in C++ for seconds would ignore Ctrl-C. Here the
// work runs on its own std::thread while the caller waits in short slices with
// the GIL released, taking it back between slices to run PyErr_CheckSignals().
// On a pending exception (KeyboardInterrupt) it raises the StopFlag, waits for
// the work to wind down (every worker polls the flag) and re-raises; every
// thread the work started has joined by then.
//
// Interpreter exit: a daemon thread still waiting here when Python finalises
// would be ended (pthread_exit) as it takes the GIL back, unwinding through
// gil_scoped_release's noexcept destructor: std::terminate, exit code 134. So
// every such call is a LiveCall, and an atexit hook (stop_live_calls) raises
// every live call's StopFlag, waits for each to leave with the GIL released,
// and refuses new ones; a call stopped that way raises SystemExit, which ends a
// thread quietly.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <type_traits>
#include <unordered_set>  // unordered_multiset
#include <utility>

#include "base/errors.hpp"
#include "base/stop_flag.hpp"

namespace sgx::bindings {

// How long a pending Ctrl-C may wait before the caller notices it.
inline constexpr std::chrono::milliseconds kSignalCheckInterval{50};
// The longest interpreter exit waits for live calls to wind down (each polls its
// flag every few milliseconds; this bound is only for a call that cannot).
inline constexpr std::chrono::seconds kExitWaitLimit{30};

// Every native call that runs with the GIL released while Python may exit. Entered
// and left with the GIL held; the mutex only guards the set against the exit hook,
// which waits with the GIL released.
class LiveCalls {
public:
    static LiveCalls& instance() {
        static LiveCalls* calls = new LiveCalls;  // never destroyed: daemon threads may outlive statics
        return *calls;
    }

    // False once the interpreter is exiting: the caller must not start.
    bool enter(StopFlag& stop) {
        std::lock_guard<std::mutex> hold(mutex_);
        if (closing_) return false;
        stops_.insert(&stop);
        return true;
    }

    void leave(StopFlag& stop) {
        {
            std::lock_guard<std::mutex> hold(mutex_);
            stops_.erase(stops_.find(&stop));  // one entry: another call may share the flag
        }
        left_.notify_all();
    }

    bool closing() {
        std::lock_guard<std::mutex> hold(mutex_);
        return closing_;
    }

    // The atexit hook, called with the GIL held: stop every live call and wait, the
    // GIL released, until each has left (it needs the GIL to leave).
    void stop_all_and_wait() {
        pybind11::gil_scoped_release nogil;
        std::unique_lock<std::mutex> hold(mutex_);
        closing_ = true;
        for (StopFlag* stop : stops_) stop->request();
        left_.wait_for(hold, kExitWaitLimit, [&] { return stops_.empty(); });
    }

private:
    LiveCalls() = default;

    std::mutex mutex_;
    std::condition_variable left_;
    // A multiset: the Python engine's workers share one flag, and each call leaves on its own.
    std::unordered_multiset<StopFlag*> stops_;
    bool closing_ = false;
};

// RAII: a call registered for its whole length; SystemExit instead when Python is exiting.
class LiveCall {
public:
    explicit LiveCall(StopFlag& stop) : stop_(stop) {
        if (!LiveCalls::instance().enter(stop_)) throw_exiting();
    }
    ~LiveCall() { LiveCalls::instance().leave(stop_); }
    LiveCall(const LiveCall&) = delete;
    LiveCall& operator=(const LiveCall&) = delete;

    // Stopped by the exit hook rather than done: the result is dropped for SystemExit.
    static void check_not_exiting() {
        if (LiveCalls::instance().closing()) throw_exiting();
    }

private:
    [[noreturn]] static void throw_exiting() {
        PyErr_SetString(PyExc_SystemExit, "pysgxalloc: the interpreter is exiting; native call stopped");
        throw pybind11::error_already_set();
    }

    StopFlag& stop_;
};

// `work`, short, with the GIL released; with it held once the interpreter is exiting,
// when taking it back could end the thread inside a destructor (see above).
template <class Work>
auto without_gil(Work&& work) {
    StopFlag unpolled;  // a short call: the exit hook only waits for it to leave
    if (!LiveCalls::instance().enter(unpolled)) return work();
    struct Leave {
        StopFlag& stop;
        ~Leave() { LiveCalls::instance().leave(stop); }
    } leave{unpolled};                      // destroyed last: left with the GIL held again
    pybind11::gil_scoped_release nogil;
    return work();
}

// For Python's atexit (registered in module.cpp).
inline void stop_live_calls() { LiveCalls::instance().stop_all_and_wait(); }

// Waits for `running` in slices, the GIL released in each. True once it is
// ready; false as soon as a signal handler raised (the Python error is set):
// then `stop` has been raised and the work has wound down.
template <class Result>
bool wait_unless_interrupted(StopFlag& stop, std::future<Result>& running) {
    for (;;) {
        bool done;
        {
            pybind11::gil_scoped_release nogil;
            done = running.wait_for(kSignalCheckInterval) == std::future_status::ready;
        }
        if (done) return true;
        if (PyErr_CheckSignals() != 0) {
            stop.request();
            pybind11::gil_scoped_release nogil;
            running.wait();
            return false;
        }
    }
}

// The result of work that ended without a Ctrl-C: SystemExit instead when the
// exit hook stopped it (a stopped pool construction throws Stopped then).
template <class Result>
Result finished(std::future<Result>& running) {
    try {
        Result result = running.get();
        LiveCall::check_not_exiting();
        return result;
    } catch (const Stopped&) {
        LiveCall::check_not_exiting();
        throw;
    }
}

// The pending Python error, unless the stopped work threw: its error (a broken
// invariant above all) replaces the interrupt; Stopped is the stop itself, so
// the interrupt stands.
template <class Result>
[[noreturn]] void rethrow_after_stop(std::future<Result>& running) {
    try {
        running.get();
    } catch (const Stopped&) {
        // the work ended because the flag this interrupt raised told it to
    } catch (...) {
        PyErr_Clear();
        throw;
    }
    throw pybind11::error_already_set();
}

// Call with the GIL held. `work` must only touch C++ values and must return
// soon after `stop` is requested. A stopped run's result is dropped for the interrupt.
template <class Work>
auto run_interruptibly(StopFlag& stop, Work&& work) {
    LiveCall live(stop);
    auto running = std::async(std::launch::async, std::forward<Work>(work));
    if (!wait_unless_interrupted(stop, running)) rethrow_after_stop(running);
    return finished(running);
}

// The same, but Ctrl-C keeps what the work did: its result comes back (it must
// say itself that it was stopped) and the KeyboardInterrupt is cleared. Any
// other signal handler's error is raised as run_interruptibly() would.
template <class Work>
auto run_keeping_result(StopFlag& stop, Work&& work) {
    LiveCall live(stop);
    auto running = std::async(std::launch::async, std::forward<Work>(work));
    if (!wait_unless_interrupted(stop, running)) {
        if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) == 0) rethrow_after_stop(running);
        try {
            auto kept = running.get();
            PyErr_Clear();
            return kept;
        } catch (const Stopped&) {
            // stopped before it had a result to keep: the interrupt stands
            throw pybind11::error_already_set();
        }
    }
    return finished(running);
}

// `work` on the calling thread with the GIL released, as a live call: for the Python
// engine's workers, whose `stop` their caller raises (and, at exit, the hook).
template <class Work>
auto run_released(StopFlag& stop, Work&& work) {
    LiveCall live(stop);
    if constexpr (std::is_void_v<std::invoke_result_t<Work&>>) {
        {
            pybind11::gil_scoped_release nogil;
            work();
        }
        LiveCall::check_not_exiting();
    } else {
        auto result = [&] {
            pybind11::gil_scoped_release nogil;
            return work();
        }();
        LiveCall::check_not_exiting();
        return result;
    }
}

}  // namespace sgx::bindings
