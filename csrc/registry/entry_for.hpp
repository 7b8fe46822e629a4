// entry_for<Family>(): a strategy family's StrategyEntry, every harness
// instantiated for it, each with the policies it needs: the cell layout the
// run asks for, and the pause policy the harness watches with (NoPause for
// measurements, InjectedPause for the paused update, UpdateClock for the
// stamped reclaim scenario, the explorer's Scheduled). Including this header
// instantiates a great deal: only a registration includes it, one file per
// strategy, so that the strategies compile in parallel.
//
// A family that is not one (check_strategy_family(), counter_strategy.hpp)
// stops at one message per missing member and instantiates nothing else.
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "counters/strategy_family.hpp"
#include "counters/update_clock.hpp"
#include "explore/explore_with.hpp"
#include "explore/scheduler.hpp"
#include "harness/hammer_team.hpp"
#include "harness/paused_update_team.hpp"
#include "harness/pool_of.hpp"
#include "harness/read_cost_team.hpp"
#include "registry/strategy_entry.hpp"
#include "scenario/reclaim_scenario.hpp"

namespace sgx {
namespace entry_parts {

template <class Family>
std::unique_ptr<AnyPool> make_pool(std::string_view name, PoolSpec spec) {
    return with_cells<Family, NoPause>(spec.options, [&]<class Counter>() -> std::unique_ptr<AnyPool> {
        return std::make_unique<PoolOf<Counter>>(name, std::move(spec));
    });
}

template <class Family>
HammerStats hammer(const HammerConfig& config, const CounterOptions& options, const StopFlag& stop) {
    return with_cells<Family, NoPause>(
        options, [&]<class Counter>() { return run_hammer_with<Counter>(config, options, stop); });
}

template <class Family>
ReadCostStats read_cost(const ReadCostConfig& config, const CounterOptions& options, const StopFlag& stop) {
    return with_cells<Family, NoPause, false>(
        options, [&]<class Counter>() { return run_read_cost_with<Counter>(config, options, stop); });
}

template <class Family>
PausedUpdateStats paused_update(const PausedUpdateConfig& config, const CounterOptions& options,
                                const StopFlag& stop) {
    return with_cells<Family, InjectedPause, false>(
        options, [&]<class Counter>() { return run_paused_update_with<Counter>(config, options, stop); });
}

template <class Family>
ReclaimStats reclaim(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& stop) {
    return with_cells<Family, NoPause>(
        options, [&]<class Counter>() { return run_reclaim_with<Counter>(config, options, stop); });
}

// One shared count has no cells: only the kernel's layout (the count's own cell) changes its type.
template <class Family>
ReclaimStats reclaim_stamped(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& stop) {
    return with_cells<Family, UpdateClock>(
        options, [&]<class Counter>() { return run_reclaim_with<Counter>(config, options, stop); });
}

// The explorer runs padded cells: placement is no scheduling point. (Its pool
// still places its statics as the config's layout says: the same code either way.)
template <class Family>
using Explored = counter_of<Family, Policies<PaddedCells, explore::Scheduled>>;

template <class Family>
explore::ExploreStats explore(const explore::ExploreConfig& config, const StopFlag& stop) {
    return explore::explore_with<Explored<Family>>(config, stop);
}

template <class Family>
explore::ScheduleRun replay(const explore::ExploreConfig& config, const std::vector<unsigned>& schedule) {
    return explore::replay_with<Explored<Family>>(config, schedule);
}

}  // namespace entry_parts

template <class Family>
StrategyEntry entry_for() {
    StrategyEntry entry;
    if constexpr (check_strategy_family<Family>()) {
        using Counter = counter_of<Family, Policies<>>;
        entry.version = kStrategyEntryVersion;
        entry.abi = abi_fingerprint();
        entry.name = Counter::name;
        entry.accuracy = Counter::accuracy;
        entry.site = Counter::site;
        entry.make_pool = &entry_parts::make_pool<Family>;
        entry.hammer = &entry_parts::hammer<Family>;
        entry.read_cost = &entry_parts::read_cost<Family>;
        entry.paused_update = &entry_parts::paused_update<Family>;
        entry.reclaim = &entry_parts::reclaim<Family>;
        if constexpr (Family::one_shared_count) entry.reclaim_stamped = &entry_parts::reclaim_stamped<Family>;
        entry.explore = &entry_parts::explore<Family>;
        entry.replay = &entry_parts::replay<Family>;
    }
    return entry;
}

}  // namespace sgx
