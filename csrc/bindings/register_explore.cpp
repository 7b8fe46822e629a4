// _core.explore and _core.replay_schedule: the schedule explorer
// (csrc/explore/explore.hpp). A search runs off the Python thread, so Ctrl-C
// stops it between two runs, within a second, and returns what it explored.
#include <pybind11/native_enum.h>
#include <pybind11/stl.h>

#include <vector>

#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "explore/explore.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

using namespace sgx::explore;

// `config` is a copy taken with the GIL held; see register_reclaim.cpp. Ctrl-C
// keeps what was explored: the search stops between two runs and its stats say
// `interrupted`.
ExploreStats explore_schedules(StrategyArg strategy, ExploreConfig config) {
    StopFlag stop;
    return run_keeping_result(stop, [&] { return strategy->explore(config, stop); });
}

}  // namespace

void register_explore(py::module_& m) {
    py::native_enum<Scenario>(m, "ExploreScenario", "enum.Enum", "What an explored run does")
        .value("updates", Scenario::updates)
        .value("reclaim", Scenario::reclaim)
        .finalize();
    py::native_enum<Mode>(m, "ExploreMode", "enum.Enum", "How a search picks its schedules")
        .value("exhaustive", Mode::exhaustive)
        .value("pct", Mode::pct)
        .finalize();
    py::native_enum<Points>(m, "SchedulePoints", "enum.Enum", "Which pause points are scheduling decisions")
        .value("all", Points::all)
        .value("counter", Points::counter)
        .finalize();
    py::native_enum<Reduction>(m, "ExploreReduction", "enum.Enum", "Which schedules a search may leave out")
        .value("none", Reduction::none)
        .value("sleep", Reduction::sleep)
        .value("dpor", Reduction::dpor)
        .finalize();
    py::native_enum<Engine>(m, "ExploreEngine", "enum.Enum", "How the explored threads run")
        .value("fibers", Engine::fibers)
        .value("threads", Engine::threads)
        .finalize();
    py::native_enum<StopReason>(m, "ExploreStop", "enum.Enum", "Why a search stopped before running out")
        .value("none", StopReason::none)
        .value("max_schedules", StopReason::max_schedules)
        .value("time_limit", StopReason::time_limit)
        .value("interrupted", StopReason::interrupted)
        .finalize();
    py::native_enum<Outcome>(m, "ScheduleOutcome", "enum.Enum", "How one scheduled run ended")
        .value("correct", Outcome::correct)
        .value("counter_off", Outcome::counter_off)
        .value("hang", Outcome::hang)
        .value("completed", Outcome::completed)
        .value("deadlock", Outcome::deadlock)
        .value("broken_lists", Outcome::broken_lists)
        .value("step_limit", Outcome::step_limit)
        .value("pruned", Outcome::pruned)
        .finalize();

    py::class_<ExploreConfig>(m, "ExploreConfig")
        .def(py::init<>())
        .def_readwrite("scenario", &ExploreConfig::scenario)
        .def_readwrite("mode", &ExploreConfig::mode)
        .def_readwrite("threads", &ExploreConfig::threads)
        .def_readwrite("ops", &ExploreConfig::ops)
        .def_readwrite("nodes", &ExploreConfig::nodes)
        .def_readwrite("pages_per_node", &ExploreConfig::pages_per_node)
        .def_readwrite("enclave_pages", &ExploreConfig::enclave_pages)
        .def_readwrite("low", &ExploreConfig::low)
        .def_readwrite("high", &ExploreConfig::high)
        .def_readwrite("scan", &ExploreConfig::scan)
        .def_readwrite("comparison", &ExploreConfig::comparison)
        .def_readwrite("counter_batch", &ExploreConfig::counter_batch)
        .def_readwrite("stripes", &ExploreConfig::stripes)
        .def_readwrite("points", &ExploreConfig::points)
        .def_readwrite("preemption_bound", &ExploreConfig::preemption_bound)
        .def_readwrite("sleep_sets", &ExploreConfig::sleep_sets)
        .def_readwrite("reduction", &ExploreConfig::reduction)
        .def_readwrite("engine", &ExploreConfig::engine)
        .def_readwrite("jobs", &ExploreConfig::jobs)
        .def_readwrite("max_schedules", &ExploreConfig::max_schedules)
        .def_readwrite("time_limit_seconds", &ExploreConfig::time_limit_seconds)
        .def_readwrite("max_steps", &ExploreConfig::max_steps)
        .def_readwrite("depth", &ExploreConfig::depth)
        .def_readwrite("runs", &ExploreConfig::runs)
        .def_readwrite("seed", &ExploreConfig::seed)
        .def_readwrite("steps", &ExploreConfig::steps)
        .def_readwrite("keep_schedules", &ExploreConfig::keep_schedules);

    py::class_<Step>(m, "Step")
        .def_readonly("thread", &Step::thread)
        .def_property_readonly("access", [](const Step& s) { return access_name(s.access); })
        .def_property_readonly("shared", [](const Step& s) { return shared_name(s.shared); })
        .def_readonly("index", &Step::index)
        .def_property_readonly("value", [](const Step& s) { return s.has_value ? py::object(py::int_(s.value)) : py::none(); })
        .def_readonly("preemption", &Step::preemption)
        .def_readonly("blocked", &Step::blocked);

    py::class_<ScheduleRun>(m, "ScheduleRun")
        .def_readonly("outcome", &ScheduleRun::outcome)
        .def_readonly("schedule", &ScheduleRun::schedule)
        .def_readonly("steps", &ScheduleRun::steps)
        .def_readonly("preemptions", &ScheduleRun::preemptions)
        .def_readonly("counter", &ScheduleRun::counter)
        .def_readonly("exact_count", &ScheduleRun::exact_count)
        .def_readonly("true_free", &ScheduleRun::true_free)
        .def_readonly("read_error_bound", &ScheduleRun::read_error_bound)
        .def_readonly("active_pages", &ScheduleRun::active_pages)
        .def_readonly("faults_served", &ScheduleRun::faults_served)
        .def_readonly("fault_wakes_reclaimer", &ScheduleRun::fault_wakes_reclaimer)
        // Each step's footprint: (object kind, index, access) for every access it made.
        .def_property_readonly("footprints",
                               [](const ScheduleRun& run) {
                                   py::list steps;
                                   for (std::size_t step = 0; step < run.footprint_begin.size(); ++step) {
                                       py::list touches;
                                       for (const StepKey& key : run.footprint(step)) {
                                           touches.append(py::make_tuple(shared_name(key.shared), key.index,
                                                                         access_name(key.access)));
                                       }
                                       steps.append(py::tuple(touches));
                                   }
                                   return py::tuple(steps);
                               })
        .def_property_readonly("failed", &ScheduleRun::failed);

    py::class_<ExploreStats>(m, "ExploreStats")
        .def_readonly("schedules", &ExploreStats::schedules)
        .def_readonly("failing", &ExploreStats::failing)
        .def_readonly("runs", &ExploreStats::runs)
        .def_readonly("pruned", &ExploreStats::pruned)
        .def_readonly("step_limited", &ExploreStats::step_limited)
        .def_readonly("complete", &ExploreStats::complete)
        .def_readonly("bound_reached", &ExploreStats::bound_reached)
        .def_readonly("bound_explored", &ExploreStats::bound_explored)
        .def_readonly("stopped", &ExploreStats::stopped)
        .def_readonly("schedules_by_preemptions", &ExploreStats::schedules_by_preemptions)
        .def_readonly("failing_by_preemptions", &ExploreStats::failing_by_preemptions)
        .def_readonly("first_failure", &ExploreStats::first_failure)
        .def_readonly("elapsed_seconds", &ExploreStats::elapsed_seconds)
        .def_readonly("pct_steps", &ExploreStats::pct_steps)
        .def_readonly("pct_runs_made", &ExploreStats::pct_runs_made)
        .def_readonly("longest_run", &ExploreStats::longest_run)
        .def_readonly("first_failing_run", &ExploreStats::first_failing_run)
        .def_readonly("schedules_run", &ExploreStats::schedules_run);

    // No call_guard: explore_schedules() releases the GIL itself while it waits.
    m.def("explore", &explore_schedules, py::arg("strategy"), py::arg("config"));
    // One run, a fraction of a millisecond: the GIL is released for it; the
    // strategy is found and the schedule copied to C++ first.
    m.def(
        "replay_schedule",
        [](StrategyArg strategy, ExploreConfig config, std::vector<unsigned> schedule) {
            return without_gil([&] { return strategy->replay(config, schedule); });
        },
        py::arg("strategy"), py::arg("config"), py::arg("schedule"));
}

}  // namespace sgx::bindings
