// Strategy, the registry's Python face, and the enums every run's settings use.
//
// Strategy is no enum: registration grows it at run time. Each registered
// strategy is one Strategy instance, an attribute of the class under its name
// (Strategy.atomic) and listed by strategies(); register_strategy() takes the
// PyCapsule an outside module fills (registry/strategy_entry.hpp) and adds it.
#include <pybind11/native_enum.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/slot.hpp"
#include "bindings/register.hpp"
#include "bindings/strategy_arg.hpp"
#include "model/epc_pool.hpp"
#include "registry/strategy_registry.hpp"

namespace py = pybind11;

namespace sgx::bindings {
namespace {

constexpr const char* kStrategy = "Strategy";

// Makes the one Python Strategy of `strategy` and files it under its name.
py::object add_face(const RegisteredStrategy& strategy) {
    py::object face = py::cast(StrategyHandle{&strategy});
    const py::type cls = py::type::of<StrategyHandle>();
    cls.attr("_by_name")[py::str(strategy.name())] = face;
    cls.attr(strategy.name().c_str()) = face;
    return face;
}

py::object register_entry(const py::object& capsule) {
    if (!PyCapsule_IsValid(capsule.ptr(), kStrategyEntryCapsule)) {
        const std::string type = py::str(py::type::handle_of(capsule).attr("__name__"));
        throw py::type_error(std::string("register_strategy takes the PyCapsule named ") + kStrategyEntryCapsule +
                             " that a module built against pysgxalloc's headers fills, got " + type);
    }
    const auto* entry = static_cast<const StrategyEntry*>(PyCapsule_GetPointer(capsule.ptr(), kStrategyEntryCapsule));
    StrategyRegistry& registry = StrategyRegistry::instance();
    StrategyRegistry::check(*entry);
    const std::string name(entry->name);
    if (registry.find_if_known(name) != nullptr) {
        throw py::value_error("a strategy named " + name + " is already registered");
    }
    // Nor may a name hide what the class itself has (Strategy.name, Strategy.mro).
    if (py::hasattr(py::type::of<StrategyHandle>(), name.c_str())) {
        throw py::value_error("strategy name '" + name + "' is taken by Strategy's own attribute");
    }
    return add_face(registry.add(*entry));
}

// The test-only door (tests/test_strategy_registry.py): a copy of a registered
// strategy's entry under another name, in the capsule an outside module would
// hand over, so that the test registers it exactly as such a module would; its
// version and ABI fingerprint may be changed, as a module built elsewhere's would be.
struct NamedEntry {
    StrategyEntry entry;
    std::string name;
};

py::capsule copy_entry(StrategyArg of, const std::string& name, std::optional<std::uint32_t> version,
                       std::optional<std::uint64_t> abi) {
    auto copy = std::make_unique<NamedEntry>(NamedEntry{of->entry(), name});
    copy->entry.name = copy->name;
    copy->entry.version = version.value_or(copy->entry.version);
    copy->entry.abi = abi.value_or(copy->entry.abi);
    return py::capsule(copy.release(), kStrategyEntryCapsule, [](PyObject* capsule) {
        delete static_cast<NamedEntry*>(PyCapsule_GetPointer(capsule, kStrategyEntryCapsule));
    });
}

}  // namespace

void register_strategy(py::module_& m) {
    py::native_enum<Accuracy>(m, "Accuracy", "enum.Enum", "What a strategy's cheap read promises when quiescent")
        .value("exact", Accuracy::exact)
        .value("bounded", Accuracy::bounded)
        .value("drifts", Accuracy::drifts)
        .finalize();

    py::class_<StrategyHandle>(m, kStrategy,
                               "A registered free-page counter strategy: Strategy.<name>, or find_strategy(name)")
        .def_property_readonly("name", on_initialised(kStrategy, &StrategyHandle::name))
        .def_property_readonly("accuracy", on_initialised(kStrategy, &StrategyHandle::accuracy))
        .def_property_readonly("builtin", on_initialised(kStrategy, &StrategyHandle::builtin))
        .def_property_readonly("one_shared_count", on_initialised(kStrategy, &StrategyHandle::one_shared_count))
        .def("__repr__",
             [](py::handle self) { return "Strategy." + initialised<StrategyHandle>(self, kStrategy).name(); })
        // Pickled, copied and deep-copied by name: the copy is the registered instance itself.
        .def("__reduce__", [](py::handle self) {
            const std::string& name = initialised<StrategyHandle>(self, kStrategy).name();
            return py::make_tuple(py::module_::import("pysgxalloc._core").attr("find_strategy"),
                                  py::make_tuple(name));
        });
    // `_by_name` holds each strategy's one instance; `__members__` shows it read-only, live, as an
    // enum's does, so that code written for the enum (`name in Strategy.__members__`) keeps working.
    const py::type cls = py::type::of<StrategyHandle>();
    const py::dict by_name;
    cls.attr("_by_name") = by_name;
    cls.attr("__members__") = py::module_::import("types").attr("MappingProxyType")(by_name);
    for (const RegisteredStrategy* strategy : StrategyRegistry::instance().all()) add_face(*strategy);

    m.def(
        "strategies",
        [] {
            std::vector<py::object> every;
            for (const RegisteredStrategy* strategy : StrategyRegistry::instance().all()) {
                every.push_back(strategy_object(*strategy));
            }
            return every;
        },
        "Every registered strategy: the built-ins in report order, then the others as they registered.");
    m.def(
        "find_strategy", [](StrategyArg strategy) { return strategy_object(*strategy.strategy); }, py::arg("name"),
        "The Strategy registered under `name`; ValueError names the registered ones.");
    m.def("register_strategy", &register_entry, py::arg("entry"),
          "Register the strategy in `entry`, the PyCapsule a module built against pysgxalloc's headers fills; "
          "returns its Strategy.");
    m.def("_copy_strategy_entry", &copy_entry, py::arg("of"), py::arg("name"), py::kw_only(),
          py::arg("version") = py::none(), py::arg("abi") = py::none());

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

    m.attr("MAX_THREADS") = kMaxThreads;
    m.attr("CALLER_SLOT") = kCallerSlot;
}

}  // namespace sgx::bindings
