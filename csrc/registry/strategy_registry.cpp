// The registry's checks, its lookups, and the calls through an entry.
#include "registry/strategy_registry.hpp"

#include <stdexcept>
#include <utility>

#include "base/errors.hpp"
#include "registry/builtin_strategies.hpp"

namespace sgx {
namespace {

// What the names may look like: a Python identifier in lower case, so that a
// strategy is also an attribute (Strategy.atomic) and a CLI word.
constexpr std::size_t kMaxNameLength = 64;

bool well_formed(std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxNameLength || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

// Which function of a complete entry is missing, or none.
const char* missing_function(const StrategyEntry& entry) noexcept {
    if (entry.make_pool == nullptr) return "make_pool";
    if (entry.hammer == nullptr) return "hammer";
    if (entry.read_cost == nullptr) return "read_cost";
    if (entry.paused_update == nullptr) return "paused_update";
    if (entry.reclaim == nullptr) return "reclaim";
    if (entry.explore == nullptr) return "explore";
    if (entry.replay == nullptr) return "replay";
    return nullptr;
}

}  // namespace

RegisteredStrategy::RegisteredStrategy(const StrategyEntry& entry, bool builtin)
    : name_(entry.name), entry_(entry), builtin_(builtin) {
    entry_.name = name_;
}

std::unique_ptr<AnyPool> RegisteredStrategy::make_pool(PoolSpec spec) const {
    return entry_.make_pool(name_, std::move(spec));
}

HammerStats RegisteredStrategy::hammer(const HammerConfig& config, const StopFlag& stop) const {
    config.validate();
    return entry_.hammer(config, config.counter_options(), stop);
}

ReadCostStats RegisteredStrategy::read_cost(const ReadCostConfig& config, const StopFlag& stop) const {
    config.validate();
    return entry_.read_cost(config, config.counter_options(), stop);
}

PausedUpdateStats RegisteredStrategy::paused_update(const PausedUpdateConfig& config, const StopFlag& stop) const {
    config.validate();
    return entry_.paused_update(config, config.counter_options(), stop);
}

ReclaimStats RegisteredStrategy::reclaim(const ReclaimConfig& config, const StopFlag& stop) const {
    config.validate();
    const CounterOptions options = config.counter_options();
    if (config.update_log_limit == 0) return entry_.reclaim(config, options, stop);
    if (!one_shared_count()) {
        throw std::invalid_argument("update_log_limit stamps the updates of one shared count, and " + name_ +
                                    " has none: its counts are per node, per CPU or striped");
    }
    return entry_.reclaim_stamped(config, options, stop);
}

// The explorer derives its counter options itself (the plain counts in their load/store form).
explore::ExploreStats RegisteredStrategy::explore(const explore::ExploreConfig& config, const StopFlag& stop) const {
    config.validate();
    return entry_.explore(config, stop);
}

explore::ScheduleRun RegisteredStrategy::replay(const explore::ExploreConfig& config,
                                                const std::vector<unsigned>& schedule) const {
    config.validate();
    return entry_.replay(config, schedule);
}

StrategyRegistry::StrategyRegistry() {
    BuiltinStrategies::for_each([this]<class Family>() { add_checked(entry_for<Family>(), true); });
}

StrategyRegistry& StrategyRegistry::instance() {
    static StrategyRegistry registry;
    return registry;
}

const RegisteredStrategy& StrategyRegistry::add(const StrategyEntry& entry) { return add_checked(entry, false); }

void StrategyRegistry::check(const StrategyEntry& entry) {
    // The version first: it says how to read every other field.
    if (entry.version != kStrategyEntryVersion) {
        throw_bad_argument("a strategy entry of version " + std::to_string(entry.version) + " cannot register here (" +
                           std::to_string(kStrategyEntryVersion) +
                           "): rebuild its module against this pysgxalloc's headers");
    }
    const std::string name(entry.name);
    if (entry.abi != abi_fingerprint()) {
        throw_bad_argument("strategy " + name +
                           " was built with another ABI (other pysgxalloc headers, another C++ standard library ABI "
                           "or layout-changing flags): rebuild its module with this pysgxalloc and compiler");
    }
    if (!well_formed(name)) {
        throw_bad_argument("strategy name '" + name +
                           "' must be 1 to 64 lower-case letters, digits and '_', starting with a letter");
    }
    if (const char* missing = missing_function(entry)) {
        throw_bad_argument("strategy " + name + "'s entry has no " + missing + " function");
    }
}

const RegisteredStrategy& StrategyRegistry::add_checked(const StrategyEntry& entry, bool builtin) {
    check(entry);
    const std::lock_guard hold(mutex_);
    if (lookup(entry.name) != nullptr) {
        throw_bad_argument("a strategy named " + std::string(entry.name) + " is already registered");
    }
    return strategies_.emplace_back(entry, builtin);
}

const RegisteredStrategy* StrategyRegistry::lookup(std::string_view name) const {
    for (const RegisteredStrategy& strategy : strategies_) {
        if (strategy.name() == name) return &strategy;
    }
    return nullptr;
}

const RegisteredStrategy* StrategyRegistry::find_if_known(std::string_view name) const {
    const std::lock_guard hold(mutex_);
    return lookup(name);
}

const RegisteredStrategy& StrategyRegistry::find(std::string_view name) const {
    const std::lock_guard hold(mutex_);
    if (const RegisteredStrategy* found = lookup(name)) return *found;
    std::string choices;
    for (const RegisteredStrategy& strategy : strategies_) {
        choices += (choices.empty() ? "" : ", ") + strategy.name();
    }
    throw std::invalid_argument("unknown strategy '" + std::string(name) + "'; choose one of: " + choices);
}

std::vector<const RegisteredStrategy*> StrategyRegistry::all() const {
    const std::lock_guard hold(mutex_);
    std::vector<const RegisteredStrategy*> every;
    for (const RegisteredStrategy& strategy : strategies_) every.push_back(&strategy);
    return every;
}

}  // namespace sgx
