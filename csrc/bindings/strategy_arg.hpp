// Strategy as Python sees it, and StrategyArg, how every core function takes one.
//
// Python's Strategy wraps a StrategyHandle: one instance per registered
// strategy, made when it registers (register_strategy.cpp) and kept by the
// class in `Strategy._by_name`, so that identity holds (`res.strategy is
// Strategy.atomic`) and the registry, not an enum, says which exist.
// StrategyArg takes the Strategy or its name, checked by pybind11's own
// conversion as IntArg checks an integer: TypeError for any other type,
// ValueError naming the registered strategies for an unknown name.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "bindings/initialised.hpp"
#include "registry/strategy_registry.hpp"

namespace sgx::bindings {

struct StrategyHandle {
    const RegisteredStrategy* strategy = nullptr;

    const std::string& name() const noexcept { return strategy->name(); }
    Accuracy accuracy() const noexcept { return strategy->accuracy(); }
    bool builtin() const noexcept { return strategy->builtin(); }
    bool one_shared_count() const noexcept { return strategy->one_shared_count(); }
};

// The Python Strategy of a registered strategy: the one instance made when it registered.
inline pybind11::object strategy_object(const RegisteredStrategy& strategy) {
    return pybind11::type::of<StrategyHandle>().attr("_by_name")[pybind11::str(strategy.name())];
}

// `value` as a registered strategy: a Strategy, or the name of one.
inline const RegisteredStrategy& strategy_of(pybind11::handle value) {
    if (pybind11::isinstance<StrategyHandle>(value)) return *initialised<StrategyHandle>(value, "Strategy").strategy;
    if (PyUnicode_Check(value.ptr())) return StrategyRegistry::instance().find(value.cast<std::string>());
    const std::string type = pybind11::str(pybind11::type::handle_of(value).attr("__name__"));
    throw pybind11::type_error("strategy must be a Strategy or its name (str), got " + type);
}

struct StrategyArg {
    const RegisteredStrategy* strategy = nullptr;
    const RegisteredStrategy* operator->() const noexcept { return strategy; }
};

}  // namespace sgx::bindings

namespace pybind11::detail {

template <>
struct type_caster<sgx::bindings::StrategyArg> {
    PYBIND11_TYPE_CASTER(sgx::bindings::StrategyArg, const_name("Strategy | str"));

    bool load(handle source, bool /*convert*/) {
        value.strategy = &sgx::bindings::strategy_of(source);
        return true;
    }
    static handle cast(const sgx::bindings::StrategyArg& source, return_value_policy, handle) {
        return sgx::bindings::strategy_object(*source.strategy).release();
    }
};

}  // namespace pybind11::detail
