// _core.paused_update: the forced interleaving of paused_update.hpp. Its two
// threads run for at most a pause limit (10 s at most), so the GIL is simply
// released for the call; Ctrl-C is seen when it returns.
#include <pybind11/stl.h>

#include <optional>

#include "../paused_update.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

PausedUpdateStats paused_update(Strategy strategy, long long rival_updates, double pause_limit_seconds,
                                std::optional<long long> counter_batch, bool packed) {
    return run_paused_update(strategy, PausedUpdateConfig{.rival_updates = rival_updates,
                                                          .pause_limit_seconds = pause_limit_seconds,
                                                          .counter_batch = counter_batch,
                                                          .packed = packed});
}

}  // namespace

void register_paused_update(py::module_& m) {
    py::class_<PausedUpdateStats>(m, "PausedUpdateStats")
        .def_readonly("rival_finished_in_pause", &PausedUpdateStats::rival_finished_in_pause)
        .def_readonly("counter", &PausedUpdateStats::counter)
        .def_readonly("exact_count", &PausedUpdateStats::exact_count)
        .def_readonly("true_free", &PausedUpdateStats::true_free);

    // Every argument and the result are plain C++ values, so the guard may drop the GIL.
    m.def("paused_update", &paused_update, py::arg("strategy"), py::arg("rival_updates"),
          py::arg("pause_limit_seconds"), py::arg("counter_batch") = py::none(), py::arg("packed") = false,
          py::call_guard<py::gil_scoped_release>());
}

}  // namespace sgx::bindings
