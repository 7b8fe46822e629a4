// striped: Java's LongAdder: atomic cells picked by slot, summed on read.
// Its entry, every harness instantiated for it, in a file of its own so that the
// built-ins compile in parallel; builtin_strategies.hpp lists it.
#include "counters/striped.hpp"
#include "counters/strategy_family.hpp"
#include "registry/entry_for.hpp"

namespace sgx {

template StrategyEntry entry_for<CellCounts<Striped>>();

}  // namespace sgx
