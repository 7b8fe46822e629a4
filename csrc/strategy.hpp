// Strategy: the counter strategy chosen at run time, and the one switch that
// turns it into a compile-time Counter type. Everything past with_counter() is
// monomorphic: a pool or a hammer is instantiated once per strategy.
#pragma once

#include <array>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "counters.hpp"

namespace sgx {

enum class Strategy {
    plain_node_lock,
    plain_unlocked,
    plain_global_lock,
    atomic,
    atomic_in_lock,
    per_node,
};

inline constexpr std::array kAllStrategies = {
    Strategy::plain_node_lock, Strategy::plain_unlocked, Strategy::plain_global_lock,
    Strategy::atomic,          Strategy::atomic_in_lock, Strategy::per_node,
};

// Calls f.template operator()<Counter>() for the strategy's Counter type.
template <class F>
decltype(auto) with_counter(Strategy strategy, F&& f) {
    switch (strategy) {
        case Strategy::plain_node_lock: return std::forward<F>(f).template operator()<PlainNodeLock>();
        case Strategy::plain_unlocked: return std::forward<F>(f).template operator()<PlainUnlocked>();
        case Strategy::plain_global_lock: return std::forward<F>(f).template operator()<PlainGlobalLock>();
        case Strategy::atomic: return std::forward<F>(f).template operator()<Atomic>();
        case Strategy::atomic_in_lock: return std::forward<F>(f).template operator()<AtomicInLock>();
        case Strategy::per_node: return std::forward<F>(f).template operator()<PerNode>();
    }
    throw std::invalid_argument("unknown strategy");
}

inline std::string_view strategy_name(Strategy strategy) {
    return with_counter(strategy, []<class Counter>() { return Counter::name; });
}

inline bool strategy_is_exact(Strategy strategy) {
    return with_counter(strategy, []<class Counter>() { return Counter::exact; });
}

}  // namespace sgx
