// The built-in strategies, in the order reports list them: the one list of
// them in the project. The registry registers each (strategy_registry.cpp)
// from the entry its own file in builtin/ instantiates; the reference loop of
// bench/native_overhead.py runs each by name. A new built-in is a family here
// and a file in builtin/ (and CMakeLists.txt); nothing else names it.
#pragma once

#include "counters/kernel_counters.hpp"
#include "counters/percpu_batch.hpp"
#include "counters/strategy_family.hpp"
#include "counters/striped.hpp"

namespace sgx {

template <class... Families>
struct StrategyList {
    // f.template operator()<Family>() for each, in order.
    template <class F>
    static void for_each(F&& f) {
        (f.template operator()<Families>(), ...);
    }
};

using BuiltinStrategies =
    StrategyList<SharedCell<PlainNodeLock>, SharedCell<PlainUnlocked>, SharedCell<PlainGlobalLock>,
                 SharedCell<Atomic>, SharedCell<AtomicInLock>, CellCounts<PerNode>, CellCounts<PercpuBatch>,
                 CellCounts<Striped>>;

}  // namespace sgx
