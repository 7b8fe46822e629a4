// _core.Pool: an AnyPool, one call per page. Single-page calls keep the GIL
// (they take a spinlock for well under a microsecond and never need Python
// while holding it); the O(pages) invariant walk and churn(), the Python
// engine's chunk of traffic, release it: their arguments and results are plain
// C++ values, so call_guard is safe. Single-page calls take their integers as
// IntArg (int_arg.hpp), so EpcPool needs no Python wrapper in front of them.
#include <pybind11/native_enum.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/slot.hpp"
#include "bindings/any_pool.hpp"
#include "bindings/int_arg.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_pool(py::module_& m) {
    py::native_enum<NodeSearch>(m, "NodeSearch", "enum.Enum",
                                "Which kernel's node search __sgx_alloc_epc_page() runs (model/node_search.hpp)")
        .value("v5_13_until_caller", NodeSearch::v5_13_until_caller)
        .value("fixed_2024", NodeSearch::fixed_2024)
        .finalize();
    m.attr("SOFT_LOCKUP_LAPS") = kSoftLockupLaps;

    py::class_<Tally>(m, "Tally", "What one churn() call did: operations run and allocations that found every list empty.")
        .def_readonly("ops", &Tally::ops)
        .def_readonly("alloc_failures", &Tally::alloc_failures)
        .def("__repr__", [](const Tally& tally) {
            return "Tally(ops=" + std::to_string(tally.ops) + ", alloc_failures=" + std::to_string(tally.alloc_failures) +
                   ")";
        });

    py::class_<AnyPool>(m, "Pool")
        .def(py::init(&make_pool), py::arg("strategy"), py::arg("nodes"), py::arg("pages_per_node"),
             py::arg("initial_drift") = 0, py::arg("counter_batch") = py::none(), py::arg("packed") = false,
             py::arg("node_pages") = std::vector<long long>{}, py::arg("node_search") = NodeSearch::fixed_2024)
        .def_property_readonly("strategy", &AnyPool::strategy)
        .def_property_readonly("node_search", &AnyPool::node_search)
        .def_property_readonly("nodes", [](const AnyPool& pool) { return pool.shape().nodes(); })
        // Every node's count when they are all equal, else the list (0: a CPU-only node).
        .def_property_readonly("pages_per_node",
                               [](const AnyPool& pool) -> py::object {
                                   const PoolShape& shape = pool.shape();
                                   if (shape.uniform()) return py::int_(shape.pages_of(0));
                                   const NodePages pages = shape.node_pages();
                                   return py::cast(std::vector<std::uint32_t>(pages.begin(), pages.end()));
                               })
        .def_property_readonly("node_pages",
                               [](const AnyPool& pool) {
                                   const NodePages pages = pool.shape().node_pages();
                                   return std::vector<std::uint32_t>(pages.begin(), pages.end());
                               })
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
             py::arg("work") = 0, py::call_guard<py::gil_scoped_release>())
        // Both take and return plain C++ values (converted outside the guard), so call_guard is safe.
        .def(
            "alloc_pages",
            [](AnyPool& pool, long long count, long long node, long long slot, long long work) {
                long long failures = 0;
                std::vector<PageId> pages = pool.alloc_pages(count, node, slot, work, failures);
                return std::make_pair(std::move(pages), failures);
            },
            py::arg("count"), py::arg("node"), py::arg("slot"), py::arg("work") = 0,
            py::call_guard<py::gil_scoped_release>())
        .def("free_pages", &AnyPool::free_pages, py::arg("pages"), py::arg("slot"), py::arg("work") = 0,
             py::call_guard<py::gil_scoped_release>());

    m.def("default_counter_batch", &default_counter_batch);
}

}  // namespace sgx::bindings
