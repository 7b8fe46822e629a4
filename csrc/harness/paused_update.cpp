// The paused update's settings and their checks. Its two threads and the pause
// that holds the victim open are paused_update_team.hpp.
#include "harness/paused_update.hpp"

#include "base/errors.hpp"

namespace sgx {

void PausedUpdateConfig::validate() const {
    check_range("rival_updates", rival_updates, 1, kMaxRivalUpdates);
    check_seconds("pause_limit", pause_limit_seconds, kMinPauseSeconds, kMaxPauseSeconds);
}

CounterOptions PausedUpdateConfig::counter_options() const {
    CounterOptions options = CounterOptions::checked(0, counter_batch, packed);
    // The pause holds an update open between its load and its store: the plain
    // strategies' load/store form has that gap (the in-place one is one instruction).
    options.plain_update = PlainUpdate::load_store;
    return options;
}

}  // namespace sgx
