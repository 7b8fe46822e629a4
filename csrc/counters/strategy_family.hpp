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
// built-ins have (SharedCell: the same with the count's cell as a policy). with_cells() picks the layout at run time, once, so no hot
// path branches on it.
#pragma once

#include <concepts>
#include <utility>

#include "base/errors.hpp"
#include "counters/cell_layout.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/pause.hpp"

namespace sgx {

// `count`: the cell of a strategy's one shared count (SharedCell): padded alone
// on its block, or packed (a bare long) where the kernel's layout puts it beside
// sgx_reclaimer_lock. The padding ablation packs `cells` only.
template <class CellsPolicy = PaddedCells, class PausePolicy = NoPause, class CountPolicy = PaddedCells>
struct Policies {
    using cells = CellsPolicy;
    using pause = PausePolicy;
    using count = CountPolicy;
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

// A strategy with one count that every update changes, templated on the pause
// policy and the count's own cell (the built-ins: kernel_counters.hpp), so the
// kernel's layout can place the bare count beside sgx_reclaimer_lock.
template <template <class Pause, class Count> class Counter>
struct SharedCell {
    template <class P>
    using counter = Counter<typename P::pause, typename P::count>;
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
// layouts chosen at run time (options.layout, options.memory_layout) and the
// pause policy `Pause`: padded; packed cells (the ablation); the kernel's, whose
// cells and one shared count are both packed. A family whose counter ignores a
// policy gives the same type twice, which compiles once. A harness with no
// layout setting (read cost, paused update) passes kWithKernel = false and so
// does not compile the kernel's counter at all; asked for it, it throws.
template <StrategyFamily Family, class Pause, bool kWithKernel = true, class F>
decltype(auto) with_cells(const CounterOptions& options, F&& f) {
    if (options.memory_layout != MemoryLayout::padded) {  // either kernel layout
        if constexpr (kWithKernel) {
            return std::forward<F>(f)
                .template operator()<counter_of<Family, Policies<PackedCells, Pause, PackedCells>>>();
        } else {
            throw_bad_argument("this run has no layout setting: it runs the padded layout only");
        }
    }
    if (options.layout == CellLayout::packed) {
        return std::forward<F>(f).template operator()<counter_of<Family, Policies<PackedCells, Pause>>>();
    }
    return std::forward<F>(f).template operator()<counter_of<Family, Policies<PaddedCells, Pause>>>();
}

}  // namespace sgx
