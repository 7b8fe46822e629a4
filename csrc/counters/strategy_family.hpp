// A strategy family: one strategy as a type per set of policies. A strategy is
// written once (kernel_counters.hpp, percpu_batch.hpp, striped.hpp) and compiled
// with the policies each run needs: the cell layout (padded, or packed for the
// ablation), the pause policy (NoPause for measurements, the paused update's
// InjectedPause, the reclaim scenario's UpdateClock, the explorer's Scheduled).
// Policies travel as one bundle, so a new policy (a memory layout, say) is a new
// member with a default here, not a new parameter of every strategy, harness
// and registration.
//
// A family is a type with `template <class Policies> using counter = ...;` whose
// every instance is a CounterStrategy, and `one_shared_count`: whether every
// update changes one shared count (only those the reclaim scenario's update log
// can stamp). SharedCount and CellCounts make a family of the two shapes the
// built-ins have. with_cells() picks the layout at run time, once, so no hot
// path branches on it.
#pragma once

#include <concepts>
#include <utility>

#include "counters/cell_layout.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/pause.hpp"

namespace sgx {

template <class CellsPolicy = PaddedCells, class PausePolicy = NoPause>
struct Policies {
    using cells = CellsPolicy;
    using pause = PausePolicy;
};

template <class Family, class P>
using counter_of = typename Family::template counter<P>;

template <class F>
concept StrategyFamily = requires {
    typename counter_of<F, Policies<>>;
    { F::one_shared_count } -> std::convertible_to<bool>;
} && CounterStrategy<counter_of<F, Policies<>>>;

// Whether F is a family, with a readable message for what is missing (see
// check_counter_strategy()); its counter is checked member by member.
template <class F>
consteval bool check_strategy_family() {
    constexpr bool has_counter = requires { typename counter_of<F, Policies<>>; };
    static_assert(has_counter, "strategy family has no member `template <class Policies> using counter = ...`");
    static_assert(requires { { F::one_shared_count } -> std::convertible_to<bool>; },
                  "strategy family has no member `static constexpr bool one_shared_count`");
    if constexpr (has_counter) {
        return check_counter_strategy<counter_of<F, Policies<>>>() && StrategyFamily<F>;
    } else {
        return false;
    }
}

// A strategy with one count that every update changes, templated on the pause
// policy alone (it has no cells, so both layouts give the same type).
template <template <class Pause> class Counter>
struct SharedCount {
    template <class P>
    using counter = Counter<typename P::pause>;
    static constexpr bool one_shared_count = true;
};

// A strategy whose counts live in cells (per node, per slot, per stripe),
// templated on the cell layout and the pause policy.
template <template <class Cells, class Pause> class Counter>
struct CellCounts {
    template <class P>
    using counter = Counter<typename P::cells, typename P::pause>;
    static constexpr bool one_shared_count = false;
};

// Calls f.template operator()<Counter>() with the family's counter for the
// layout chosen at run time and the pause policy `Pause`.
template <StrategyFamily Family, class Pause, class F>
decltype(auto) with_cells(CellLayout layout, F&& f) {
    if (layout == CellLayout::packed) {
        return std::forward<F>(f).template operator()<counter_of<Family, Policies<PackedCells, Pause>>>();
    }
    return std::forward<F>(f).template operator()<counter_of<Family, Policies<PaddedCells, Pause>>>();
}

}  // namespace sgx
