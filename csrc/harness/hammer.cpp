// The native hammer's settings: their checks and how they split each worker's
// share. The team itself is hammer_team.hpp, one instance per strategy type.
#include "harness/hammer.hpp"

#include "base/errors.hpp"
#include "model/pool_shape.hpp"

namespace sgx {

void HammerConfig::validate() const {
    check_range("threads", threads, 1, kMaxThreads);
    PoolShape::checked(nodes, pages_per_node, node_pages);
    check_churn_limits(ops, batch, work);
    check_range("rounds", rounds, 1, kMaxRounds);
    check_range("fail_worker", fail_worker, -1, threads - 1);
    check_range("hold", hold, 0, kMaxHold);
    counter_options();
}

CounterOptions HammerConfig::counter_options() const {
    return CounterOptions::checked(0, counter_batch, packed).with_memory_layout(memory_layout);
}

HammerPlan HammerConfig::plan() const {
    validate();
    return {iterations_per_round(), iterations_per_stop_check()};
}

}  // namespace sgx
