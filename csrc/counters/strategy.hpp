// Strategy: the counter strategy chosen at run time, and the one switch that
// turns it (with a cell layout) into a compile-time Counter type. Everything past
// with_counter() is monomorphic: a pool or a hammer is instantiated once per
// strategy and layout.
#pragma once

#include <array>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "counters/cell_layout.hpp"
#include "counters/kernel_counters.hpp"
#include "counters/percpu_batch.hpp"
#include "counters/striped.hpp"

namespace sgx {

enum class Strategy {
    plain_node_lock,
    plain_unlocked,
    plain_global_lock,
    atomic,
    atomic_in_lock,
    per_node,
    percpu_batch,
    striped,
};

inline constexpr std::array kAllStrategies = {
    Strategy::plain_node_lock, Strategy::plain_unlocked, Strategy::plain_global_lock, Strategy::atomic,
    Strategy::atomic_in_lock,  Strategy::per_node,       Strategy::percpu_batch,      Strategy::striped,
};

// Calls f.template operator()<Counter>() for the strategy's Counter type with
// the layout `Cells` and the pause policy `Pause` (pause.hpp; NoPause but in the
// paused update and under the explorer's scheduler). Strategies with a single count have no cells, so both layouts give
// them the same type (and one instantiation of f).
template <class Cells, class Pause = NoPause, class F>
decltype(auto) with_counter_in(Strategy strategy, F&& f) {
    switch (strategy) {
        case Strategy::plain_node_lock: return std::forward<F>(f).template operator()<PlainNodeLock<Pause>>();
        case Strategy::plain_unlocked: return std::forward<F>(f).template operator()<PlainUnlocked<Pause>>();
        case Strategy::plain_global_lock: return std::forward<F>(f).template operator()<PlainGlobalLock<Pause>>();
        case Strategy::atomic: return std::forward<F>(f).template operator()<Atomic<Pause>>();
        case Strategy::atomic_in_lock: return std::forward<F>(f).template operator()<AtomicInLock<Pause>>();
        case Strategy::per_node: return std::forward<F>(f).template operator()<PerNode<Cells, Pause>>();
        case Strategy::percpu_batch: return std::forward<F>(f).template operator()<PercpuBatch<Cells, Pause>>();
        case Strategy::striped: return std::forward<F>(f).template operator()<Striped<Cells, Pause>>();
    }
    throw std::invalid_argument("unknown strategy");
}

// The run-time layout chosen once, here, so no hot path branches on it.
template <class Pause = NoPause, class F>
decltype(auto) with_counter(Strategy strategy, CellLayout layout, F&& f) {
    if (layout == CellLayout::packed) return with_counter_in<PackedCells, Pause>(strategy, std::forward<F>(f));
    return with_counter_in<PaddedCells, Pause>(strategy, std::forward<F>(f));
}

// The padded layout: what every caller gets unless it asks for the ablation.
template <class F>
decltype(auto) with_counter(Strategy strategy, F&& f) {
    return with_counter_in<PaddedCells>(strategy, std::forward<F>(f));
}

inline std::string_view strategy_name(Strategy strategy) {
    return with_counter(strategy, []<class Counter>() { return Counter::name; });
}

inline Accuracy strategy_accuracy(Strategy strategy) {
    return with_counter(strategy, []<class Counter>() { return Counter::accuracy; });
}

}  // namespace sgx
