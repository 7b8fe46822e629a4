// _core.read_cost: the read-cost run's configuration, its run with the GIL
// released, and its stats.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "bindings/to_numpy.hpp"
#include "harness/read_cost.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

// `config` is a copy, taken with the GIL held; the strategy validates it
// (once) and runs the team off this thread (Ctrl-C stops it).
ReadCostStats read_cost(StrategyArg strategy, ReadCostConfig config) {
    StopFlag stop;
    return run_interruptibly(stop, [&] { return strategy->read_cost(config, stop); });
}

}  // namespace

void register_read_cost(py::module_& m) {
    py::class_<ReadCostConfig>(m, "ReadCostConfig", "The read-cost run's settings, by name (csrc/harness/read_cost.hpp)")
        .def(py::init<>())
        .def_readwrite("writers", &ReadCostConfig::writers)
        .def_readwrite("nodes", &ReadCostConfig::nodes)
        .def_readwrite("pages_per_node", &ReadCostConfig::pages_per_node)
        .def_readwrite("ops", &ReadCostConfig::ops)
        .def_readwrite("batch", &ReadCostConfig::batch)
        .def_readwrite("work", &ReadCostConfig::work)
        .def_readwrite("exact_read", &ReadCostConfig::exact_read)
        .def_readwrite("pin", &ReadCostConfig::pin)
        .def_readwrite("counter_batch", &ReadCostConfig::counter_batch)
        .def_readwrite("packed", &ReadCostConfig::packed);

    py::class_<ReadCostStats>(m, "ReadCostStats")
        .def_readonly("writer_seconds", &ReadCostStats::writer_seconds)
        .def_readonly("reader_seconds", &ReadCostStats::reader_seconds)
        .def_readonly("writer_ops", &ReadCostStats::writer_ops)
        .def_readonly("reads", &ReadCostStats::reads)
        .def_readonly("counter_batch", &ReadCostStats::counter_batch)
        .def_property_readonly("per_writer_ops", [](const ReadCostStats& s) { return to_numpy(s.per_writer_ops); });

    // No call_guard: read_cost() releases the GIL itself while it waits.
    m.def("read_cost", &read_cost, py::arg("strategy"), py::arg("config"));
}

}  // namespace sgx::bindings
