// _core.Pool: an AnyPool, one call per page. Single-page calls keep the GIL
// (they take a spinlock for well under a microsecond and never need Python
// while holding it); the O(pages) invariant walk and churn(), the Python
// engine's chunk of traffic, release it: their arguments and results are plain
// C++ values, so call_guard is safe.
#include <pybind11/stl.h>

#include "base/slot.hpp"
#include "bindings/any_pool.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_pool(py::module_& m) {
    py::class_<Tally>(m, "Tally")
        .def_readonly("ops", &Tally::ops)
        .def_readonly("alloc_failures", &Tally::alloc_failures);

    py::class_<AnyPool>(m, "Pool")
        .def(py::init(&make_pool), py::arg("strategy"), py::arg("nodes"), py::arg("pages_per_node"),
             py::arg("initial_drift") = 0, py::arg("counter_batch") = py::none(), py::arg("packed") = false,
             py::arg("plain_update") = PlainUpdate::in_place, py::arg("remote_fetch_ns") = 0)
        .def_property_readonly("strategy", &AnyPool::strategy)
        .def_property_readonly("nodes", [](const AnyPool& pool) { return pool.shape().nodes; })
        .def_property_readonly("pages_per_node", [](const AnyPool& pool) { return pool.shape().pages_per_node; })
        .def_property_readonly("total_pages", [](const AnyPool& pool) { return pool.shape().total_pages(); })
        .def_property_readonly("counter_batch",
                               [](const AnyPool& pool) { return pool.counter_options().counter_batch; })
        .def_property_readonly(
            "packed", [](const AnyPool& pool) { return pool.counter_options().layout == CellLayout::packed; })
        .def("alloc", &AnyPool::alloc, py::arg("node") = 0, py::arg("slot") = kCallerSlot)
        .def("free", &AnyPool::free, py::arg("page"), py::arg("slot") = kCallerSlot)
        .def_property_readonly("counter", &AnyPool::counter)
        .def_property_readonly("exact_count", &AnyPool::exact_count)
        .def_property_readonly("read_error_bound", &AnyPool::read_error_bound)
        .def("compare_margin", &AnyPool::compare_margin, py::arg("read"))
        .def_property_readonly("counter_state_bytes", &AnyPool::counter_state_bytes)
        .def_property_readonly("true_free", &AnyPool::true_free)
        .def_property_readonly("drift", &AnyPool::drift)
        .def_property_readonly("exact_drift", &AnyPool::exact_drift)
        .def("count_below", &AnyPool::count_below, py::arg("watermark"),
             py::arg("comparison") = Comparison::kernel_unsigned, py::arg("read") = WatermarkRead::cheap)
        .def("home_node", &AnyPool::home_node, py::arg("page"))
        .def("is_free", &AnyPool::is_free, py::arg("page"))
        .def("invariant_violation", &AnyPool::invariant_violation, py::call_guard<py::gil_scoped_release>())
        .def("churn", &AnyPool::churn, py::arg("ops"), py::arg("node"), py::arg("slot"), py::arg("batch") = 1,
             py::arg("work") = 0, py::call_guard<py::gil_scoped_release>());

    m.def("default_counter_batch", &default_counter_batch);
}

}  // namespace sgx::bindings
