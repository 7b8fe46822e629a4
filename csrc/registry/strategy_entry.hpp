// StrategyEntry: one strategy as the registry holds it, a table of plain
// function pointers (one per harness) and the facts reports read. It is the
// interface between the registry in _core and whoever compiled the strategy: a
// built-in's registration file (registry/builtin/), or another extension module
// built against the same headers, which fills an entry with entry_for<Family>()
// (entry_for.hpp) and hands it over in a PyCapsule named kStrategyEntryCapsule
// (bindings/register_strategy.cpp). The registry copies the entry; it never
// frees what it points at (Python never unloads an extension module).
//
// ABI assumptions, for an entry made in another module: the functions take and
// return the harnesses' C++ structs (std::vector, std::optional and std::string
// inside), return a std::unique_ptr<AnyPool> that _core deletes, and throw C++
// exceptions that _core catches by type. So the module must be built from the
// same pysgxalloc headers (the same package version: issue 24 caches its builds
// by package version and compiler), by a compiler of the same C++ ABI (the
// Itanium ABI, libstdc++ with the same _GLIBCXX_USE_CXX11_ABI, the same
// process-wide libstdc++), with no flag that changes standard types' layout
// (_GLIBCXX_DEBUG). What can be checked at run time is: `version`, the first
// field, whose value says how to read the rest; and `abi`, a fingerprint of the
// ABI macros and of the size and alignment of every type that crosses. A
// mismatch is refused with a message before any pointer is called. The
// project's error types have default visibility (base/errors.hpp), so a catch
// in _core matches a throw in the module. Every function an entry points at
// must be instantiated from headers in the module that fills it: Python loads
// extension modules RTLD_LOCAL, so nothing compiled into _core is visible to
// another module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "explore/explore.hpp"
#include "harness/any_pool.hpp"
#include "harness/hammer.hpp"
#include "harness/paused_update.hpp"
#include "harness/read_cost.hpp"
#include "scenario/reclaim_scenario.hpp"

namespace sgx {

// Raised whenever a field of StrategyEntry changes meaning, moves or is added.
inline constexpr std::uint32_t kStrategyEntryVersion = 2;  // 2: AnyPool::addresses(), CounterOptions::memory_layout
// The PyCapsule name an entry travels under.
inline constexpr const char* kStrategyEntryCapsule = "pysgxalloc.StrategyEntry";

struct StrategyEntry {
    std::uint32_t version = 0;  // kStrategyEntryVersion of the headers it was built from
    std::uint64_t abi = 0;      // abi_fingerprint() where it was built
    std::string_view name;      // the name it registers under; must stay alive (a literal)
    Accuracy accuracy = Accuracy::drifts;
    UpdateSite site = UpdateSite::inside_node_lock;

    // Every harness, for this strategy. Each takes a validated config (the
    // registry validates it in _core) and, where the harness builds a pool, the
    // config's counter options. make_pool's name is the registered one, which
    // the pool reports back.
    std::unique_ptr<AnyPool> (*make_pool)(std::string_view name, PoolSpec spec) = nullptr;
    HammerStats (*hammer)(const HammerConfig&, const CounterOptions&, const StopFlag&) = nullptr;
    ReadCostStats (*read_cost)(const ReadCostConfig&, const CounterOptions&, const StopFlag&) = nullptr;
    PausedUpdateStats (*paused_update)(const PausedUpdateConfig&, const CounterOptions&, const StopFlag&) = nullptr;
    ReclaimStats (*reclaim)(const ReclaimConfig&, const CounterOptions&, const StopFlag&) = nullptr;
    // The reclaim scenario with every update of the one shared count stamped
    // (update_log_limit > 0); null for a strategy with no one shared count.
    ReclaimStats (*reclaim_stamped)(const ReclaimConfig&, const CounterOptions&, const StopFlag&) = nullptr;
    explore::ExploreStats (*explore)(const explore::ExploreConfig&, const StopFlag&) = nullptr;
    explore::ScheduleRun (*replay)(const explore::ExploreConfig&, const std::vector<unsigned>&) = nullptr;
};

// The ABI's fingerprint as the including translation unit sees it (FNV-1a).
consteval std::uint64_t abi_fingerprint() {
    std::uint64_t hash = 14695981039346656037ULL;
    const auto mix = [&hash](std::uint64_t value) { hash = (hash ^ value) * 1099511628211ULL; };
    mix(kStrategyEntryVersion);
    for (const std::size_t size :
         {sizeof(StrategyEntry), alignof(StrategyEntry), sizeof(PoolSpec), alignof(PoolSpec), sizeof(CounterOptions),
          sizeof(StopFlag), sizeof(HammerConfig), sizeof(HammerStats), sizeof(ReadCostConfig), sizeof(ReadCostStats),
          sizeof(PausedUpdateConfig), sizeof(PausedUpdateStats), sizeof(ReclaimConfig), sizeof(ReclaimStats),
          sizeof(explore::ExploreConfig), sizeof(explore::ExploreStats), sizeof(explore::ScheduleRun),
          sizeof(explore::Step), sizeof(std::string), sizeof(std::vector<long long>), sizeof(std::exception_ptr)}) {
        mix(size);
    }
#ifdef __GXX_ABI_VERSION
    mix(__GXX_ABI_VERSION);
#endif
#ifdef _GLIBCXX_USE_CXX11_ABI
    mix(1000 + _GLIBCXX_USE_CXX11_ABI);
#endif
#ifdef _GLIBCXX_DEBUG
    mix(2000);
#endif
    return hash;
}

// The entry for a strategy family (counters/strategy_family.hpp), every harness
// instantiated for it; a family that is not one stops at a message per missing
// member. Defined in entry_for.hpp.
template <class Family>
StrategyEntry entry_for();

}  // namespace sgx
