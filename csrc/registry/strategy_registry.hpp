// The strategies this process knows, by name: the built-ins, registered first
// in the order reports list them (builtin_strategies.hpp), then any entry an
// outside module handed over (strategy_entry.hpp), in the order they came.
//
// A RegisteredStrategy is an entry checked once, and the call every harness
// makes through it. Each call validates its config and derives the counter's
// options here, in _core, before the entry's function runs: an entry only runs
// a strategy, whoever compiled it. The registry never removes a strategy, so a
// reference to one stays valid for the life of the process.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "registry/strategy_entry.hpp"

namespace sgx {

class RegisteredStrategy {
public:
    RegisteredStrategy(const StrategyEntry& entry, bool builtin);
    RegisteredStrategy(const RegisteredStrategy&) = delete;  // entry_.name views name_: never moved
    RegisteredStrategy& operator=(const RegisteredStrategy&) = delete;

    const std::string& name() const noexcept { return name_; }
    Accuracy accuracy() const noexcept { return entry_.accuracy; }
    UpdateSite site() const noexcept { return entry_.site; }
    bool builtin() const noexcept { return builtin_; }
    // Whether every update changes one shared count: what the update log stamps.
    bool one_shared_count() const noexcept { return entry_.reclaim_stamped != nullptr; }

    std::unique_ptr<AnyPool> make_pool(PoolSpec spec) const;
    HammerStats hammer(const HammerConfig& config, const StopFlag& stop) const;
    ReadCostStats read_cost(const ReadCostConfig& config, const StopFlag& stop) const;
    PausedUpdateStats paused_update(const PausedUpdateConfig& config, const StopFlag& stop) const;
    // With update_log_limit > 0, only for a strategy with one shared count.
    ReclaimStats reclaim(const ReclaimConfig& config, const StopFlag& stop) const;
    explore::ExploreStats explore(const explore::ExploreConfig& config, const StopFlag& stop) const;
    explore::ScheduleRun replay(const explore::ExploreConfig& config, const std::vector<unsigned>& schedule) const;

    // The entry as registered, its name pointing at name(): what a copy of it is made from.
    const StrategyEntry& entry() const noexcept { return entry_; }

private:
    std::string name_;
    StrategyEntry entry_;  // its name views name_
    bool builtin_;
};

class StrategyRegistry {
public:
    // The process's one registry, with every built-in in it.
    static StrategyRegistry& instance();

    // Throws std::invalid_argument, saying why, when `entry` was built against
    // other headers or another ABI, lacks a function, or its name is malformed.
    static void check(const StrategyEntry& entry);
    // check(), then adds `entry` under its name, which must be new. `entry.name` is copied.
    const RegisteredStrategy& add(const StrategyEntry& entry);

    // The strategy registered under `name`; std::invalid_argument names the choices.
    const RegisteredStrategy& find(std::string_view name) const;
    // The same, or nullptr.
    const RegisteredStrategy* find_if_known(std::string_view name) const;
    // Every strategy, built-ins first, in registration order.
    std::vector<const RegisteredStrategy*> all() const;

private:
    StrategyRegistry();
    const RegisteredStrategy& add_checked(const StrategyEntry& entry, bool builtin);
    const RegisteredStrategy* lookup(std::string_view name) const;

    mutable std::mutex mutex_;
    std::deque<RegisteredStrategy> strategies_;  // grows at the back only: references stay valid
};

}  // namespace sgx
