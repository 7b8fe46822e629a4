// _core.paused_update: the forced interleaving of paused_update.hpp. Its two
// threads run for at most a pause limit (10 s at most), so the GIL is simply
// released for the call; Ctrl-C is seen when it returns.
#include <pybind11/stl.h>

#include "bindings/register.hpp"
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

    // The config is taken by value (a copy made with the GIL held), and the
    // result is a plain C++ value, so the guard may drop the GIL.
    m.def(
        "paused_update", [](Strategy strategy, PausedUpdateConfig config) { return run_paused_update(strategy, config); },
        py::arg("strategy"), py::arg("config"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace sgx::bindings
