// _core.Pool: an AnyPool, one call per page. Single-page calls keep the GIL
// (they take a spinlock for well under a microsecond and never need Python
// while holding it); building the pool (O(pages): a second at the seed's size),
// the O(pages) invariant walk and churn(), the Python engine's chunk of
// traffic, release it: their arguments and results are plain C++ values.
// Building and churn() run interruptibly (Ctrl-C stops them, off the calling
// thread); churn_until_stopped() runs on the calling thread and stops when its
// StopFlag is raised: for the Python engine's workers, which are not the main
// thread and so never see Ctrl-C, and would pay a thread start per chunk.
// Single-page calls take their integers as IntArg (int_arg.hpp), so EpcPool
// needs no Python wrapper in front of them.
#include <pybind11/native_enum.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/slot.hpp"
#include "bindings/initialised.hpp"
#include "bindings/int_arg.hpp"
#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "harness/any_pool.hpp"
#include "registry/strategy_registry.hpp"

namespace py = pybind11;

namespace sgx::bindings {

// The class named when a Pool method is handed something that is not a Pool.
constexpr const char* kPool = "Pool";

void register_pool(py::module_& m) {
    py::native_enum<NodeSearch>(m, "NodeSearch", "enum.Enum",
                                "Which kernel's node search __sgx_alloc_epc_page() runs (model/node_search.hpp)")
        .value("v5_13_until_caller", NodeSearch::v5_13_until_caller)
        .value("fixed_2024", NodeSearch::fixed_2024)
        .finalize();
    m.attr("SOFT_LOCKUP_LAPS") = kSoftLockupLaps;

    py::native_enum<MemoryLayout>(m, "MemoryLayout", "enum.Enum",
                                  "Where the pool's hot objects sit: padded (each on its own 128-byte block) or "
                                  "kernel (v5.15's sharing: nodes packed, the counter on sgx_reclaimer_lock's line) or "
                                  "kernel_counter_apart (kernel with the counter on a block of its own: an ablation).")
        .value("padded", MemoryLayout::padded)
        .value("kernel", MemoryLayout::kernel)
        .value("kernel_counter_apart", MemoryLayout::kernel_counter_apart)
        .finalize();

    py::class_<Tally>(m, "Tally", "What one churn() call did: operations run and allocations that found every list empty.")
        .def_readonly("ops", &Tally::ops)
        .def_readonly("alloc_failures", &Tally::alloc_failures)
        .def("__repr__", [](const Tally& tally) {
            return "Tally(ops=" + std::to_string(tally.ops) + ", alloc_failures=" + std::to_string(tally.alloc_failures) +
                   ")";
        });

    py::class_<AnyPool>(m, "Pool")
        .def(py::init([](StrategyArg strategy, long long nodes, long long pages_per_node, long long initial_drift,
                         std::optional<long long> counter_batch, bool packed, std::vector<long long> node_pages,
                         NodeSearch node_search, PlainUpdate plain_update, long long remote_fetch_ns,
                         MemoryLayout layout) {
                 // Checked and built off this thread, the GIL released: a bad argument's
                 // ValueError comes back through run_interruptibly, and Ctrl-C stops the
                 // build between two pages (EpcPool's constructor polls `stop`).
                 StopFlag stop;
                 return run_interruptibly(stop, [&] {
                     PoolSpec spec = PoolSpec::checked(nodes, pages_per_node, initial_drift, counter_batch, packed,
                                                       node_pages, node_search, plain_update, remote_fetch_ns, layout);
                     spec.stop = &stop;
                     return strategy->make_pool(std::move(spec));
                 });
             }),
             py::arg("strategy"), py::arg("nodes"), py::arg("pages_per_node"), py::arg("initial_drift") = 0,
             py::arg("counter_batch") = py::none(), py::arg("packed") = false,
             py::arg("node_pages") = std::vector<long long>{}, py::arg("node_search") = NodeSearch::fixed_2024,
             py::arg("plain_update") = PlainUpdate::in_place, py::arg("remote_fetch_ns") = 0,
             py::arg("layout") = MemoryLayout::padded)
        .def_property_readonly("strategy",
                               [](py::handle self) {
                                   const AnyPool& pool = initialised<AnyPool>(self, kPool);
                                   return strategy_object(StrategyRegistry::instance().find(pool.strategy_name()));
                               })
        .def_property_readonly("node_search", on_initialised(kPool, &AnyPool::node_search))
        .def_property_readonly("nodes",
                               [](py::handle self) { return initialised<AnyPool>(self, kPool).shape().nodes(); })
        // Every node's count when they are all equal, else the list (0: a CPU-only node).
        .def_property_readonly("pages_per_node",
                               [](py::handle self) -> py::object {
                                   const PoolShape& shape = initialised<AnyPool>(self, kPool).shape();
                                   if (shape.uniform()) return py::int_(shape.pages_of(0));
                                   const NodePages pages = shape.node_pages();
                                   return py::cast(std::vector<std::uint32_t>(pages.begin(), pages.end()));
                               })
        .def_property_readonly("node_pages",
                               [](py::handle self) {
                                   const NodePages pages = initialised<AnyPool>(self, kPool).shape().node_pages();
                                   return std::vector<std::uint32_t>(pages.begin(), pages.end());
                               })
        .def_property_readonly("total_pages",
                               [](py::handle self) { return initialised<AnyPool>(self, kPool).shape().total_pages(); })
        .def_property_readonly(
            "counter_batch",
            [](py::handle self) { return initialised<AnyPool>(self, kPool).counter_options().counter_batch; })
        .def_property_readonly(
            "layout", [](py::handle self) { return initialised<AnyPool>(self, kPool).counter_options().memory_layout; })
        .def(
            "addresses",
            [](py::handle self) {
                const PoolAddresses at = initialised<AnyPool>(self, kPool).addresses();
                py::dict out;
                out["node_locks"] = at.node_locks;
                out["counter"] = at.counter;
                out["reclaimer_lock"] = at.reclaimer_lock;
                out["active_list"] = at.active_list;
                out["numa_nodes"] = at.numa_nodes;
                return out;
            },
            "Where the layout put each hot object, by name (a debug accessor): node_locks (one per node), counter, "
            "reclaimer_lock (also the active list's lock), active_list (its head), numa_nodes (the node array's "
            "pointer).")
        .def_property_readonly("packed",
                               [](py::handle self) {
                                   return initialised<AnyPool>(self, kPool).counter_options().layout ==
                                          CellLayout::packed;
                               })
        .def(
            "alloc",
            [](py::handle self, IntArg<"node"> node, IntArg<"slot"> slot) {
                return initialised<AnyPool>(self, kPool).alloc(node.value, slot.value);
            },
            py::arg("node") = 0, py::arg("slot") = kCallerSlot,
            "A page id from `node` first, then every other node once in rising id; None when every list "
            "is empty. Models __sgx_alloc_epc_page().")
        .def(
            "free",
            [](py::handle self, IntArg<"page id"> page, IntArg<"slot"> slot) {
                initialised<AnyPool>(self, kPool).free(page.value, slot.value);
            },
            py::arg("page"), py::arg("slot") = kCallerSlot,
            "Return `page` to its home node's tail; DoubleFreeError if it is already free, ValueError for an "
            "id out of range. Models sgx_free_epc_page().")
        .def_property_readonly("counter", on_initialised(kPool, &AnyPool::counter))
        .def_property_readonly("exact_count", on_initialised(kPool, &AnyPool::exact_count))
        .def_property_readonly("read_error_bound", on_initialised(kPool, &AnyPool::read_error_bound))
        .def_property_readonly("counter_state_bytes", on_initialised(kPool, &AnyPool::counter_state_bytes))
        .def_property_readonly("true_free", on_initialised(kPool, &AnyPool::true_free))
        .def_property_readonly("drift", on_initialised(kPool, &AnyPool::drift))
        .def_property_readonly("exact_drift", on_initialised(kPool, &AnyPool::exact_drift))
        .def("compare_margin", on_initialised(kPool, &AnyPool::compare_margin), py::arg("read"))
        .def("count_below", on_initialised(kPool, &AnyPool::count_below), py::arg("watermark"),
             py::arg("comparison") = Comparison::kernel_unsigned, py::arg("read") = WatermarkRead::cheap)
        .def(
            "home_node",
            [](py::handle self, IntArg<"page id"> page) {
                return initialised<AnyPool>(self, kPool).home_node(page.value);
            },
            py::arg("page"), "The node whose list `page` belongs to.")
        .def(
            "is_free",
            [](py::handle self, IntArg<"page id"> page) { return initialised<AnyPool>(self, kPool).is_free(page.value); },
            py::arg("page"), "Whether `page` is on its node's free list.")
        .def("invariant_violation",
             [](py::handle self) {
                 const AnyPool& pool = initialised<AnyPool>(self, kPool);
                 return without_gil([&] { return pool.invariant_violation(); });  // O(pages)
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
               StopFlag& stop) {
                AnyPool& pool = initialised<AnyPool>(self, kPool);
                return run_released(stop, [&] { return pool.churn(ops, node, slot, batch, work, stop); });
            },
            py::arg("ops"), py::arg("node"), py::arg("slot"), py::arg("batch"), py::arg("work"), py::arg("stop"))
        // The phased Python engine's two halves; on the calling thread with the GIL
        // released, stopping early when `stop` is raised (as churn_until_stopped).
        .def(
            "alloc_pages",
            [](py::handle self, long long count, long long node, long long slot, long long work, StopFlag& stop) {
                AnyPool& pool = initialised<AnyPool>(self, kPool);
                long long failures = 0;
                std::vector<PageId> pages =
                    run_released(stop, [&] { return pool.alloc_pages(count, node, slot, work, stop, failures); });
                return std::make_pair(std::move(pages), failures);
            },
            py::arg("count"), py::arg("node"), py::arg("slot"), py::arg("work"), py::arg("stop"))
        .def(
            "free_pages",
            [](py::handle self, const std::vector<long long>& pages, long long slot, long long work,
               StopFlag& stop) {
                AnyPool& pool = initialised<AnyPool>(self, kPool);
                run_released(stop, [&] { pool.free_pages(pages, slot, work, stop); });
            },
            py::arg("pages"), py::arg("slot"), py::arg("work"), py::arg("stop"));

    py::class_<StopFlag>(m, "StopFlag", "How a caller asks running churn() calls to stop early (base/stop_flag.hpp)")
        .def(py::init<>())
        .def("request", &StopFlag::request)
        .def_property_readonly("requested", &StopFlag::requested);

    m.def("default_counter_batch", &default_counter_batch);
}

}  // namespace sgx::bindings
