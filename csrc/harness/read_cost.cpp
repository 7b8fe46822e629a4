// The read-cost run's settings and their checks. The team itself is
// read_cost_team.hpp, one instance per strategy type.
#include "harness/read_cost.hpp"

#include "base/errors.hpp"
#include "base/slot.hpp"
#include "harness/churn_limits.hpp"
#include "model/pool_shape.hpp"

namespace sgx {

void ReadCostConfig::validate() const {
    // Writers and the reader share the slot range with no one: at most kMaxThreads threads.
    check_range("writers", writers, 0, kMaxThreads - 1);
    PoolShape::checked(nodes, pages_per_node);
    check_churn_limits(ops, batch, work);
    counter_options();
}

CounterOptions ReadCostConfig::counter_options() const { return CounterOptions::checked(0, counter_batch, packed); }

}  // namespace sgx
