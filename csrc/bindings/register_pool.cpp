// _core.Pool: an AnyPool, one call per page. Single-page calls keep the GIL
// (they take a spinlock for well under a microsecond and never need Python
// while holding it); the O(pages) invariant walk and churn(), the Python
// engine's chunk of traffic, release it: their arguments and results are plain
// C++ values, so call_guard is safe. Single-page calls take their integers as
// IntArg (int_arg.hpp), so EpcPool needs no Python wrapper in front of them.
#include <pybind11/stl.h>

#include <string>

#include "base/slot.hpp"
#include "bindings/any_pool.hpp"
#include "bindings/int_arg.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_pool(py::module_& m) {
    py::class_<Tally>(m, "Tally", "What one churn() call did: operations run and allocations that found every list empty.")
        .def_readonly("ops", &Tally::ops)
        .def_readonly("alloc_failures", &Tally::alloc_failures)
        .def("__repr__", [](const Tally& tally) {
            return "Tally(ops=" + std::to_string(tally.ops) + ", alloc_failures=" + std::to_string(tally.alloc_failures) +
                   ")";
        });

    py::class_<AnyPool>(m, "Pool")
        .def(py::init(&make_pool), py::arg("strategy"), py::arg("nodes"), py::arg("pages_per_node"),
             py::arg("initial_drift") = 0, py::arg("counter_batch") = py::none(), py::arg("packed") = false)
        .def_property_readonly("strategy", &AnyPool::strategy)
        .def_property_readonly("nodes", [](const AnyPool& pool) { return pool.shape().nodes; })
        .def_property_readonly("pages_per_node", [](const AnyPool& pool) { return pool.shape().pages_per_node; })
        .def_property_readonly("total_pages", [](const AnyPool& pool) { return pool.shape().total_pages(); })
        .def_property_readonly("counter_batch",
                               [](const AnyPool& pool) { return pool.counter_options().counter_batch; })
        .def_property_readonly(
            "packed", [](const AnyPool& pool) { return pool.counter_options().layout == CellLayout::packed; })
        .def(
            "alloc",
            [](AnyPool& pool, IntArg<"node"> node, IntArg<"slot"> slot) { return pool.alloc(node.value, slot.value); },
            py::arg("node") = 0, py::arg("slot") = kCallerSlot,
            "A page id from `node` first, then every other node once in rising id; None when every list "
            "is empty. Models __sgx_alloc_epc_page().")
        .def(
            "free", [](AnyPool& pool, IntArg<"page id"> page, IntArg<"slot"> slot) { pool.free(page.value, slot.value); },
            py::arg("page"), py::arg("slot") = kCallerSlot,
            "Return `page` to its home node's tail; DoubleFreeError if it is already free, ValueError for an "
            "id out of range. Models sgx_free_epc_page().")
        .def_property_readonly("counter", &AnyPool::counter)
        .def_property_readonly("exact_count", &AnyPool::exact_count)
        .def_property_readonly("read_error_bound", &AnyPool::read_error_bound)
        .def_property_readonly("counter_state_bytes", &AnyPool::counter_state_bytes)
        .def_property_readonly("true_free", &AnyPool::true_free)
        .def_property_readonly("drift", &AnyPool::drift)
        .def_property_readonly("exact_drift", &AnyPool::exact_drift)
        .def("should_reclaim", &AnyPool::should_reclaim, py::arg("watermark"),
             py::arg("comparison") = Comparison::signed_count, py::arg("read") = WatermarkRead::cheap)
        .def(
            "home_node", [](const AnyPool& pool, IntArg<"page id"> page) { return pool.home_node(page.value); },
            py::arg("page"), "The node whose list `page` belongs to.")
        .def(
            "is_free", [](const AnyPool& pool, IntArg<"page id"> page) { return pool.is_free(page.value); },
            py::arg("page"), "Whether `page` is on its node's free list.")
        .def("invariant_violation", &AnyPool::invariant_violation, py::call_guard<py::gil_scoped_release>())
        .def("churn", &AnyPool::churn, py::arg("ops"), py::arg("node"), py::arg("slot"), py::arg("batch") = 1,
             py::arg("work") = 0, py::call_guard<py::gil_scoped_release>());

    m.def("default_counter_batch", &default_counter_batch);
}

}  // namespace sgx::bindings
