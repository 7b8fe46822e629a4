// The explorer's dispatch by strategy: the strategy chosen at run time turned
// into the counter type that explore_with.hpp searches or replays.
#include "explore/explore.hpp"

#include <vector>

#include "explore/explore_with.hpp"

namespace sgx::explore {

ExploreStats run_explore(Strategy strategy, const ExploreConfig& config, const StopFlag& stop) {
    return with_counter_in<PaddedCells, Scheduled>(
        strategy, [&]<class Counter>() { return explore_with<Counter>(config, stop); });
}

ScheduleRun run_schedule(Strategy strategy, const ExploreConfig& config, const std::vector<unsigned>& schedule) {
    return with_counter_in<PaddedCells, Scheduled>(
        strategy, [&]<class Counter>() { return replay_with<Counter>(config, schedule); });
}

}  // namespace sgx::explore
