// _core.paused_update: the forced interleaving of paused_update.hpp. Its two
// threads may wait up to a pause limit (10 s at most), so the call runs
// interruptibly: Ctrl-C stops it within a fraction of a second.
#include <pybind11/stl.h>

#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "harness/paused_update.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_paused_update(py::module_& m) {
    py::class_<PausedUpdateConfig>(m, "PausedUpdateConfig",
                                   "The paused update's settings, by name (csrc/harness/paused_update.hpp)")
        .def(py::init<>())
        .def_readwrite("rival_updates", &PausedUpdateConfig::rival_updates)
        .def_readwrite("pause_limit_seconds", &PausedUpdateConfig::pause_limit_seconds)
        .def_readwrite("counter_batch", &PausedUpdateConfig::counter_batch)
        .def_readwrite("packed", &PausedUpdateConfig::packed);

    py::class_<PausedUpdateStats>(m, "PausedUpdateStats")
        .def_readonly("rival_finished_in_pause", &PausedUpdateStats::rival_finished_in_pause)
        .def_readonly("counter", &PausedUpdateStats::counter)
        .def_readonly("exact_count", &PausedUpdateStats::exact_count)
        .def_readonly("true_free", &PausedUpdateStats::true_free);

    // The config is taken by value (a copy made with the GIL held); the run goes
    // off this thread so that Ctrl-C stops it (pause_limit may be 10 s).
    m.def(
        "paused_update",
        [](StrategyArg strategy, PausedUpdateConfig config) {
            StopFlag stop;
            return run_interruptibly(stop, [&] { return strategy->paused_update(config, stop); });
        },
        py::arg("strategy"), py::arg("config"));
}

}  // namespace sgx::bindings
