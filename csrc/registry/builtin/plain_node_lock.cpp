// plain_node_lock: the v5.15 bug: a plain count updated under whichever node lock is held.
// Its entry, every harness instantiated for it, in a file of its own so that the
// built-ins compile in parallel; builtin_strategies.hpp lists it.
#include "counters/kernel_counters.hpp"
#include "counters/strategy_family.hpp"
#include "registry/entry_for.hpp"

namespace sgx {

template StrategyEntry entry_for<SharedCell<PlainNodeLock>>();

}  // namespace sgx
