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

// Call with the GIL held. `work` must only touch C++ values and must return
// soon after `stop` is requested.
template <class Work>
auto run_interruptibly(StopFlag& stop, Work&& work) {
    auto running = std::async(std::launch::async, std::forward<Work>(work));
    for (;;) {
        bool done;
        {
            pybind11::gil_scoped_release nogil;
            done = running.wait_for(kSignalCheckInterval) == std::future_status::ready;
        }
        if (done) return running.get();
        if (PyErr_CheckSignals() != 0) {
            stop.request();
            {
                pybind11::gil_scoped_release nogil;
                running.wait();
            }
            // A stopped run's figures are dropped for the interrupt; an error it
            // threw (a broken invariant above all) is not: it replaces the interrupt.
            try {
                running.get();
            } catch (...) {
                PyErr_Clear();
                throw;
            }
            throw pybind11::error_already_set();
        }
    }
}

}  // namespace sgx::bindings
