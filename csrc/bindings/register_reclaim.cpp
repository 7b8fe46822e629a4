// _core.reclaim: the reclaim scenario, run with the GIL released, and its stats.
#include <pybind11/native_enum.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <vector>

#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "bindings/to_numpy.hpp"
#include "scenario/reclaim_scenario.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

// `config` is a copy, taken with the GIL held: Python may change its own object
// (another thread can) while the run reads this one. The strategy validates it
// (once) and runs the scenario off this thread, so Ctrl-C raises
// KeyboardInterrupt within kSignalCheckInterval, after every thread has joined.
ReclaimStats reclaim(StrategyArg strategy, ReclaimConfig config) {
    StopFlag stop;
    return run_interruptibly(stop, [&] { return strategy->reclaim(config, stop); });
}

}  // namespace

void register_reclaim(py::module_& m) {
    py::native_enum<ReclaimOutcome>(m, "ReclaimOutcome", "enum.Enum", "How a reclaim scenario ended")
        .value("completed", ReclaimOutcome::completed)
        .value("hung", ReclaimOutcome::hung)
        .value("stalled", ReclaimOutcome::stalled)
        .value("out_of_memory", ReclaimOutcome::out_of_memory)
        .value("interrupted", ReclaimOutcome::interrupted)
        .value("soft_lockup", ReclaimOutcome::soft_lockup)
        .finalize();

    py::class_<ReclaimConfig>(m, "ReclaimConfig")
        .def(py::init<>())
        .def_readwrite("threads", &ReclaimConfig::threads)
        .def_readwrite("nodes", &ReclaimConfig::nodes)
        .def_readwrite("pages_per_node", &ReclaimConfig::pages_per_node)
        .def_readwrite("node_pages", &ReclaimConfig::node_pages)
        .def_readwrite("node_search", &ReclaimConfig::node_search)
        .def_readwrite("enclave_pages", &ReclaimConfig::enclave_pages)
        .def_readwrite("passes", &ReclaimConfig::passes)
        .def_readwrite("low", &ReclaimConfig::low)
        .def_readwrite("high", &ReclaimConfig::high)
        .def_readwrite("scan", &ReclaimConfig::scan)
        .def_readwrite("comparison", &ReclaimConfig::comparison)
        .def_readwrite("watermark_read", &ReclaimConfig::watermark_read)
        .def_readwrite("counter_batch", &ReclaimConfig::counter_batch)
        .def_readwrite("packed", &ReclaimConfig::packed)
        .def_readwrite("layout", &ReclaimConfig::memory_layout)
        .def_readwrite("plain_update", &ReclaimConfig::plain_update)
        .def_readwrite("remote_fetch_ns", &ReclaimConfig::remote_fetch_ns)
        .def_readwrite("initial_drift", &ReclaimConfig::initial_drift)
        .def_readwrite("shared_enclave", &ReclaimConfig::shared_enclave)
        .def_readwrite("direct_reclaim", &ReclaimConfig::direct_reclaim)
        .def_readwrite("remove_last_pass", &ReclaimConfig::remove_last_pass)
        .def_readwrite("fault_leaves_young", &ReclaimConfig::fault_leaves_young)
        .def_readwrite("unreclaimable_pages", &ReclaimConfig::unreclaimable_pages)
        .def_readwrite("walk_interval_seconds", &ReclaimConfig::walk_interval_seconds)
        .def_readwrite("update_log_limit", &ReclaimConfig::update_log_limit)
        .def_readwrite("stall_seconds", &ReclaimConfig::stall_seconds)
        .def_readwrite("max_retries", &ReclaimConfig::max_retries)
        .def_readwrite("pin", &ReclaimConfig::pin)
        .def_readwrite("leak_pages", &ReclaimConfig::leak_pages)
        .def_readwrite("meet_write_back", &ReclaimConfig::meet_write_back);

    py::class_<ReclaimStats>(m, "ReclaimStats")
        .def_readonly("outcome", &ReclaimStats::outcome)
        .def_readonly("elapsed_seconds", &ReclaimStats::elapsed_seconds)
        .def_readonly("touches", &ReclaimStats::touches)
        .def_readonly("faults_served", &ReclaimStats::faults_served)
        .def_readonly("fault_retries", &ReclaimStats::fault_retries)
        .def_readonly("longest_fault_retries", &ReclaimStats::longest_fault_retries)
        .def_readonly("reclaimer_wakeups", &ReclaimStats::reclaimer_wakeups)
        .def_readonly("pages_reclaimed", &ReclaimStats::pages_reclaimed)
        .def_readonly("pages_reclaimed_directly", &ReclaimStats::pages_reclaimed_directly)
        .def_readonly("pages_removed", &ReclaimStats::pages_removed)
        .def_readonly("wake_calls", &ReclaimStats::wake_calls)
        .def_readonly("young_skipped", &ReclaimStats::young_skipped)
        .def_readonly("busy_being_reclaimed", &ReclaimStats::busy_being_reclaimed)
        .def_readonly("reclaim_seconds", &ReclaimStats::reclaim_seconds)
        .def_readonly("fault_wait_seconds", &ReclaimStats::fault_wait_seconds)
        .def_readonly("counter", &ReclaimStats::counter)
        .def_readonly("exact_count", &ReclaimStats::exact_count)
        .def_readonly("true_free", &ReclaimStats::true_free)
        .def_readonly("active_pages", &ReclaimStats::active_pages)
        .def_readonly("fault_wakes_reclaimer", &ReclaimStats::fault_wakes_reclaimer)
        .def_readonly("pages_conserved", &ReclaimStats::pages_conserved)
        .def_readonly("soft_lockup_node", &ReclaimStats::soft_lockup_node)
        .def_property_readonly("faults_per_worker",
                               [](const ReclaimStats& s) { return to_numpy(s.faults_per_worker); })
        .def_property_readonly("walk_seconds", [](const ReclaimStats& s) { return to_numpy(s.walk_seconds); })
        .def_property_readonly("walk_touches", [](const ReclaimStats& s) { return to_numpy(s.walk_touches); })
        .def_property_readonly("walk_counter", [](const ReclaimStats& s) { return to_numpy(s.walk_counter); })
        .def_property_readonly("walk_exact", [](const ReclaimStats& s) { return to_numpy(s.walk_exact); })
        .def_property_readonly("walk_free", [](const ReclaimStats& s) { return to_numpy(s.walk_free); })
        .def_property_readonly("update_ns",
                               [](const ReclaimStats& s) {
                                   py::list per_thread;
                                   for (const auto& stamps : s.update_ns) per_thread.append(to_numpy(stamps));
                                   return per_thread;
                               })
        .def_readonly("update_log_full", &ReclaimStats::update_log_full);

    // No call_guard: reclaim() releases the GIL itself while it waits.
    m.def("reclaim", &reclaim, py::arg("strategy"), py::arg("config"));
}

}  // namespace sgx::bindings
