// percpu_batch: Linux's percpu_counter: per-slot deltas folded in batches.
// Its entry, every harness instantiated for it, in a file of its own so that the
// built-ins compile in parallel; builtin_strategies.hpp lists it.
#include "counters/percpu_batch.hpp"
#include "counters/strategy_family.hpp"
#include "registry/entry_for.hpp"

namespace sgx {

template StrategyEntry entry_for<CellCounts<PercpuBatch>>();

}  // namespace sgx
