// atomic: the upstream fix (ac5d272a0ad0): an atomic, after the node lock.
// Its entry, every harness instantiated for it, in a file of its own so that the
// built-ins compile in parallel; builtin_strategies.hpp lists it.
#include "counters/kernel_counters.hpp"
#include "counters/strategy_family.hpp"
#include "registry/entry_for.hpp"

namespace sgx {

template StrategyEntry entry_for<SharedCell<Atomic>>();

}  // namespace sgx
