// _core.Pool: an AnyPool, one call per page. Single-page calls keep the GIL
// (they take a spinlock for well under a microsecond and never need Python
// while holding it); building the pool (O(pages): a second at the seed's size),
// the O(pages) invariant walk and churn(), the Python engine's chunk of
// traffic, release it: their arguments and results are plain C++ values.
// Building and churn() run interruptibly (Ctrl-C stops them, off the calling
// thread); churn_until_stopped() runs on the calling thread and stops when its
// StopFlag is raised: for the Python engine's workers, which are not the main
// thread and so never see Ctrl-C, and would pay a thread start per chunk.
#include <pybind11/stl.h>

#include "base/slot.hpp"
#include "bindings/any_pool.hpp"
#include "bindings/initialised.hpp"
#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

// The class named when a Pool method is handed something that is not a Pool.
constexpr const char* kPool = "Pool";

void register_pool(py::module_& m) {
    py::class_<Tally>(m, "Tally")
        .def_readonly("ops", &Tally::ops)
        .def_readonly("alloc_failures", &Tally::alloc_failures);

    py::class_<AnyPool>(m, "Pool")
        .def(py::init([](Strategy strategy, long long nodes, long long pages_per_node, long long initial_drift,
                         std::optional<long long> counter_batch, bool packed) {
                 // Checked and built off this thread, the GIL released: a bad argument's
                 // ValueError comes back through run_interruptibly. Building cannot stop
                 // half way, so Ctrl-C waits for it (a second at the seed's size) and discards it.
                 StopFlag unused;
                 return run_interruptibly(unused, [=] {
                     return make_pool(strategy, nodes, pages_per_node, initial_drift, counter_batch, packed);
                 });
             }),
             py::arg("strategy"), py::arg("nodes"), py::arg("pages_per_node"), py::arg("initial_drift") = 0,
             py::arg("counter_batch") = py::none(), py::arg("packed") = false)
        .def_property_readonly("strategy", on_initialised(kPool, &AnyPool::strategy))
        .def_property_readonly("nodes", [](py::handle self) { return initialised<AnyPool>(self, kPool).shape().nodes; })
        .def_property_readonly("pages_per_node",
                               [](py::handle self) { return initialised<AnyPool>(self, kPool).shape().pages_per_node; })
        .def_property_readonly("total_pages",
                               [](py::handle self) { return initialised<AnyPool>(self, kPool).shape().total_pages(); })
        .def_property_readonly(
            "counter_batch",
            [](py::handle self) { return initialised<AnyPool>(self, kPool).counter_options().counter_batch; })
        .def_property_readonly("packed",
                               [](py::handle self) {
                                   return initialised<AnyPool>(self, kPool).counter_options().layout ==
                                          CellLayout::packed;
                               })
        .def("alloc", on_initialised(kPool, &AnyPool::alloc), py::arg("node") = 0, py::arg("slot") = kCallerSlot)
        .def("free", on_initialised(kPool, &AnyPool::free), py::arg("page"), py::arg("slot") = kCallerSlot)
        .def_property_readonly("counter", on_initialised(kPool, &AnyPool::counter))
        .def_property_readonly("exact_count", on_initialised(kPool, &AnyPool::exact_count))
        .def_property_readonly("read_error_bound", on_initialised(kPool, &AnyPool::read_error_bound))
        .def_property_readonly("counter_state_bytes", on_initialised(kPool, &AnyPool::counter_state_bytes))
        .def_property_readonly("true_free", on_initialised(kPool, &AnyPool::true_free))
        .def_property_readonly("drift", on_initialised(kPool, &AnyPool::drift))
        .def_property_readonly("exact_drift", on_initialised(kPool, &AnyPool::exact_drift))
        .def("should_reclaim", on_initialised(kPool, &AnyPool::should_reclaim), py::arg("watermark"),
             py::arg("comparison") = Comparison::signed_count, py::arg("read") = WatermarkRead::cheap)
        .def("home_node", on_initialised(kPool, &AnyPool::home_node), py::arg("page"))
        .def("is_free", on_initialised(kPool, &AnyPool::is_free), py::arg("page"))
        .def("invariant_violation",
             [](py::handle self) {
                 const AnyPool& pool = initialised<AnyPool>(self, kPool);
                 py::gil_scoped_release nogil;  // O(pages)
                 return pool.invariant_violation();
             })
        .def(
            "churn",
            [](py::handle self, long long ops, long long node, long long slot, long long batch, long long work) {
                AnyPool& pool = initialised<AnyPool>(self, kPool);
                StopFlag stop;  // raised by Ctrl-C, which only the main thread sees
                return run_interruptibly(stop, [&] { return pool.churn(ops, node, slot, batch, work, stop); });
            },
            py::arg("ops"), py::arg("node"), py::arg("slot"), py::arg("batch") = 1, py::arg("work") = 0)
        .def(
            "churn_until_stopped",
            [](py::handle self, long long ops, long long node, long long slot, long long batch, long long work,
               const StopFlag& stop) {
                AnyPool& pool = initialised<AnyPool>(self, kPool);
                py::gil_scoped_release nogil;
                return pool.churn(ops, node, slot, batch, work, stop);
            },
            py::arg("ops"), py::arg("node"), py::arg("slot"), py::arg("batch"), py::arg("work"), py::arg("stop"));

    py::class_<StopFlag>(m, "StopFlag", "How a caller asks running churn() calls to stop early (base/stop_flag.hpp)")
        .def(py::init<>())
        .def("request", &StopFlag::request)
        .def_property_readonly("requested", &StopFlag::requested);

    m.def("default_counter_batch", &default_counter_batch);
}

}  // namespace sgx::bindings
