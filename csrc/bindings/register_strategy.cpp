// Strategy as a Python enum.Enum, and the comparison modes of should_reclaim.
#include <pybind11/native_enum.h>

#include <string>

#include "base/slot.hpp"
#include "bindings/register.hpp"
#include "counters/strategy.hpp"
#include "model/epc_pool.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_strategy(py::module_& m) {
    py::native_enum<Strategy> strategy(m, "Strategy", "enum.Enum", "A free-page counter strategy");
    for (const Strategy s : kAllStrategies) strategy.value(std::string(strategy_name(s)).c_str(), s);
    strategy.finalize();

    py::native_enum<Comparison>(m, "Comparison", "enum.Enum", "How should_reclaim compares count and watermark")
        .value("signed_count", Comparison::signed_count)
        .value("kernel_unsigned", Comparison::kernel_unsigned)
        .finalize();

    py::native_enum<WatermarkRead>(m, "WatermarkRead", "enum.Enum", "Which read the watermark test compares")
        .value("cheap", WatermarkRead::cheap)
        .value("exact_near_watermark", WatermarkRead::exact_near_watermark)
        .value("exact_within_error_bound", WatermarkRead::exact_within_error_bound)
        .finalize();

    py::native_enum<PlainUpdate>(m, "PlainUpdate", "enum.Enum", "How the plain strategies' racy update is compiled")
        .value("in_place", PlainUpdate::in_place)
        .value("load_store", PlainUpdate::load_store)
        .finalize();

    py::native_enum<Accuracy>(m, "Accuracy", "enum.Enum", "What a strategy's cheap read promises when quiescent")
        .value("exact", Accuracy::exact)
        .value("bounded", Accuracy::bounded)
        .value("drifts", Accuracy::drifts)
        .finalize();

    m.def("strategy_accuracy", &strategy_accuracy, py::arg("strategy"));
    m.attr("MAX_THREADS") = kMaxThreads;
    m.attr("CALLER_SLOT") = kCallerSlot;
}

}  // namespace sgx::bindings
