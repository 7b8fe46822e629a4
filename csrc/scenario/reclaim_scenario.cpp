// run_reclaim(): the strategy chosen at run time, turned into the counter type
// that run_reclaim_with() (reclaim_team.hpp) runs.
#include "scenario/reclaim_scenario.hpp"

#include <stdexcept>
#include <string>

#include "counters/counter_options.hpp"
#include "counters/update_clock.hpp"
#include "scenario/reclaim_team.hpp"

namespace sgx {

ReclaimStats run_reclaim(Strategy strategy, const ReclaimConfig& config, const StopFlag& stop) {
    config.validate();
    CounterOptions options = CounterOptions::checked(config.initial_drift, config.counter_batch, config.packed);
    options.with_plain_update(config.plain_update, config.remote_fetch_ns);
    if (config.update_log_limit > 0) {
        // Every update of the one shared count stamped: only the strategies that have one are instantiated.
        return with_counter_in<PaddedCells, UpdateClock>(strategy, [&]<class Counter>() -> ReclaimStats {
            if constexpr (OneSharedCount<Counter>) {
                return run_reclaim_with<Counter>(config, options, stop);
            } else {
                throw std::invalid_argument("update_log_limit stamps the updates of one shared count, and " +
                                            std::string(Counter::name) +
                                            " has none: its counts are per node, per CPU or striped");
            }
        });
    }
    return with_counter(strategy, options.layout,
                        [&]<class Counter>() { return run_reclaim_with<Counter>(config, options, stop); });
}

}  // namespace sgx
