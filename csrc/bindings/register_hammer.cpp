// _core.hammer: the native hammer, run with the GIL released, and its stats.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <vector>

#include "../hammer.hpp"
#include "interruptible.hpp"
#include "register.hpp"
#include "to_numpy.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

// Called with the GIL held: validates here (a ValueError needs no thread), then
// runs the team off this thread so Ctrl-C raises KeyboardInterrupt within
// kSignalCheckInterval, after every worker has joined.
HammerStats hammer(Strategy strategy, long long threads, long long nodes, long long pages_per_node, long long ops,
                   long long batch, long long rounds, long long work, bool pin, long long fail_worker, long long hold,
                   std::optional<long long> counter_batch, bool packed) {
    const HammerConfig config{.threads = threads,
                              .nodes = nodes,
                              .pages_per_node = pages_per_node,
                              .ops = ops,
                              .batch = batch,
                              .rounds = rounds,
                              .work = work,
                              .pin = pin,
                              .fail_worker = fail_worker,
                              .hold = hold,
                              .counter_batch = counter_batch,
                              .packed = packed};
    config.validate();
    StopFlag stop;
    return run_interruptibly(stop, [&] { return run_hammer(strategy, config, stop); });
}

// The hammer's checks and split without its threads, for an engine that must
// refuse bad input before it starts a thread and then run the same traffic.
HammerPlan plan_hammer(long long threads, long long nodes, long long pages_per_node, long long ops, long long batch,
                       long long rounds, long long work, long long fail_worker, long long hold) {
    return HammerConfig{threads, nodes, pages_per_node, ops, batch, rounds, work, false, fail_worker, hold}.plan();
}

}  // namespace

void register_hammer(py::module_& m) {
    py::class_<HammerStats>(m, "HammerStats")
        .def_readonly("wall_seconds", &HammerStats::wall_seconds)
        .def_readonly("total_ops", &HammerStats::total_ops)
        .def_readonly("alloc_failures", &HammerStats::alloc_failures)
        .def_readonly("counter", &HammerStats::counter)
        .def_readonly("exact_count", &HammerStats::exact_count)
        .def_readonly("read_error_bound", &HammerStats::read_error_bound)
        .def_readonly("true_free", &HammerStats::true_free)
        .def_readonly("counter_batch", &HammerStats::counter_batch)
        .def_property_readonly("per_thread_ops", [](const HammerStats& s) { return to_numpy(s.per_thread_ops); })
        .def_property_readonly("drift_by_round", [](const HammerStats& s) { return to_numpy(s.drift_by_round); })
        .def_property_readonly("exact_drift_by_round",
                               [](const HammerStats& s) { return to_numpy(s.exact_drift_by_round); });

    // No call_guard: hammer() releases the GIL itself while it waits.
    m.def("hammer", &hammer, py::arg("strategy"), py::arg("threads"), py::arg("nodes"), py::arg("pages_per_node"),
          py::arg("ops"), py::arg("batch"), py::arg("rounds"), py::arg("work"), py::arg("pin"),
          py::arg("fail_worker") = -1, py::arg("hold") = 0, py::arg("counter_batch") = py::none(),
          py::arg("packed") = false);
    py::class_<HammerPlan>(m, "HammerPlan")
        .def_readonly("iterations_per_round", &HammerPlan::iterations_per_round)
        .def_readonly("iterations_per_stop_check", &HammerPlan::iterations_per_stop_check);
    m.def("plan_hammer", &plan_hammer, py::arg("threads"), py::arg("nodes"), py::arg("pages_per_node"),
          py::arg("ops"), py::arg("batch"), py::arg("rounds"), py::arg("work"), py::arg("fail_worker") = -1, py::arg("hold") = 0);
}

}  // namespace sgx::bindings
