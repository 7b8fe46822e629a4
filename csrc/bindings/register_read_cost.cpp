// _core.read_cost: the read-cost benchmark, run with the GIL released, and its stats.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

#include "../read_cost.hpp"
#include "interruptible.hpp"
#include "register.hpp"
#include "to_numpy.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

// Validates with the GIL held, then runs the team off this thread (Ctrl-C stops it).
ReadCostStats read_cost(Strategy strategy, long long writers, long long nodes, long long pages_per_node,
                        long long ops, long long batch, long long work, bool exact_read, bool pin,
                        std::optional<long long> counter_batch, bool packed) {
    const ReadCostConfig config{.writers = writers,
                                .nodes = nodes,
                                .pages_per_node = pages_per_node,
                                .ops = ops,
                                .batch = batch,
                                .work = work,
                                .exact_read = exact_read,
                                .pin = pin,
                                .counter_batch = counter_batch,
                                .packed = packed};
    config.validate();
    StopFlag stop;
    return run_interruptibly(stop, [&] { return run_read_cost(strategy, config, stop); });
}

}  // namespace

void register_read_cost(py::module_& m) {
    py::class_<ReadCostStats>(m, "ReadCostStats")
        .def_readonly("writer_seconds", &ReadCostStats::writer_seconds)
        .def_readonly("reader_seconds", &ReadCostStats::reader_seconds)
        .def_readonly("writer_ops", &ReadCostStats::writer_ops)
        .def_readonly("reads", &ReadCostStats::reads)
        .def_readonly("counter_batch", &ReadCostStats::counter_batch)
        .def_property_readonly("per_writer_ops", [](const ReadCostStats& s) {
            return to_numpy(s.per_writer_ops);
        });

    // No call_guard: read_cost() releases the GIL itself while it waits.
    m.def("read_cost", &read_cost, py::arg("strategy"), py::arg("writers"), py::arg("nodes"),
          py::arg("pages_per_node"), py::arg("ops"), py::arg("batch"), py::arg("work"), py::arg("exact_read"),
          py::arg("pin"),
          py::arg("counter_batch") = py::none(), py::arg("packed") = false);
}

}  // namespace sgx::bindings
