// The reclaim scenario: fault workers touch enclaves bigger than the EPC, a
// reclaimer (ksgxd) evicts behind them, and a watchdog on the calling thread
// proves a hang (the absorbing state, checked under the locks that guard it) or
// calls a run that stops making progress without one stalled. This is the
// end-to-end reproduction of the user-space hang that the drifting counter caused.
//
// The settings and results are in reclaim_config.hpp, the run for one counter
// type in reclaim_team.hpp (run_reclaim_with); this is the run-time choice of
// strategy.
#pragma once

#include "base/stop_flag.hpp"
#include "counters/strategy.hpp"
#include "scenario/reclaim_config.hpp"

namespace sgx {

// Runs one scenario on a fresh pool and enclaves and returns when it completed,
// hung, stalled or ran out of memory (then every thread is stopped and joined
// first) or `stop` was raised.
// Rethrows the first thread error after joining. Throws InvariantError if a
// page was lost or held twice: every EPC page must end free on its home list,
// or held by exactly one resident enclave page that is on the active list once.
ReclaimStats run_reclaim(Strategy strategy, const ReclaimConfig& config, const StopFlag& stop);

}  // namespace sgx
