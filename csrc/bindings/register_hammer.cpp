// _core.hammer: the native hammer's configuration, its run with the GIL
// released, and its stats.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "bindings/to_numpy.hpp"
#include "harness/hammer.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

// `config` is a copy, taken with the GIL held: Python may change its own object
// while the run reads this one. The strategy validates it (once) and runs the
// team off this thread, so Ctrl-C raises KeyboardInterrupt within
// kSignalCheckInterval, after every worker has joined.
HammerStats hammer(StrategyArg strategy, HammerConfig config) {
    StopFlag stop;
    return run_interruptibly(stop, [&] { return strategy->hammer(config, stop); });
}

}  // namespace

void register_hammer(py::module_& m) {
    py::class_<HammerConfig>(m, "HammerConfig", "The native hammer's settings, by name (csrc/harness/hammer.hpp)")
        .def(py::init<>())
        .def_readwrite("threads", &HammerConfig::threads)
        .def_readwrite("nodes", &HammerConfig::nodes)
        .def_readwrite("pages_per_node", &HammerConfig::pages_per_node)
        .def_readwrite("node_pages", &HammerConfig::node_pages)
        .def_readwrite("node_search", &HammerConfig::node_search)
        .def_readwrite("ops", &HammerConfig::ops)
        .def_readwrite("batch", &HammerConfig::batch)
        .def_readwrite("rounds", &HammerConfig::rounds)
        .def_readwrite("work", &HammerConfig::work)
        .def_readwrite("pin", &HammerConfig::pin)
        .def_readwrite("fail_worker", &HammerConfig::fail_worker)
        .def_readwrite("hold", &HammerConfig::hold)
        .def_readwrite("counter_batch", &HammerConfig::counter_batch)
        .def_readwrite("packed", &HammerConfig::packed)
        .def_readwrite("layout", &HammerConfig::memory_layout)
        .def_readwrite("phased", &HammerConfig::phased);

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
                               [](const HammerStats& s) { return to_numpy(s.exact_drift_by_round); })
        .def_property_readonly("lost_decrements", [](const HammerStats& s) { return to_numpy(s.lost_decrements); })
        .def_property_readonly("lost_increments", [](const HammerStats& s) { return to_numpy(s.lost_increments); })
        .def_property_readonly("thread_cpu_seconds",
                               [](const HammerStats& s) { return to_numpy(s.thread_cpu_seconds); });

    // No call_guard: hammer() releases the GIL itself while it waits.
    m.def("hammer", &hammer, py::arg("strategy"), py::arg("config"));

    py::class_<HammerPlan>(m, "HammerPlan")
        .def_readonly("iterations_per_round", &HammerPlan::iterations_per_round)
        .def_readonly("iterations_per_stop_check", &HammerPlan::iterations_per_stop_check);
    // The hammer's checks and split without its threads, for an engine that must
    // refuse bad input before it starts a thread and then run the same traffic.
    m.def("plan_hammer", &HammerConfig::plan, py::arg("config"));
}

}  // namespace sgx::bindings
