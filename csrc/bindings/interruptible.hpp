// run_interruptibly(): run a long native call off the Python thread, so Ctrl-C works.
//
// CPython runs signal handlers only in the main thread and only when it holds
// the GIL, so a call that sits in C++ for seconds would ignore Ctrl-C. Here the
// work runs on its own std::thread while the caller waits in short slices with
// the GIL released, taking it back between slices to run PyErr_CheckSignals().
// On a pending exception (KeyboardInterrupt) it raises the StopFlag, waits for
// the work to wind down (every worker polls the flag) and re-raises; every
// thread the work started has joined by then.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <future>
#include <utility>

#include "base/stop_flag.hpp"

namespace sgx::bindings {

// How long a pending Ctrl-C may wait before the caller notices it.
inline constexpr std::chrono::milliseconds kSignalCheckInterval{50};

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

// The pending Python error, unless the stopped work threw: its error (a broken
// invariant above all) replaces the interrupt.
template <class Result>
[[noreturn]] void rethrow_after_stop(std::future<Result>& running) {
    try {
        running.get();
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
    auto running = std::async(std::launch::async, std::forward<Work>(work));
    if (!wait_unless_interrupted(stop, running)) rethrow_after_stop(running);
    return running.get();
}

// The same, but Ctrl-C keeps what the work did: its result comes back (it must
// say itself that it was stopped) and the KeyboardInterrupt is cleared. Any
// other signal handler's error is raised as run_interruptibly() would.
template <class Work>
auto run_keeping_result(StopFlag& stop, Work&& work) {
    auto running = std::async(std::launch::async, std::forward<Work>(work));
    if (!wait_unless_interrupted(stop, running)) {
        if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) == 0) rethrow_after_stop(running);
        PyErr_Clear();
    }
    return running.get();
}

}  // namespace sgx::bindings
