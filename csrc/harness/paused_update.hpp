// The paused update: one thread held open inside its counter update (between
// the load and the store) while a rival thread makes updates of its own. It
// forces, on demand and on any number of CPUs, the interleaving that loses
// updates in the kernel's v5.15 counter, and shows which strategies survive it.
//
// The victim (slot 0) allocates one page from node 0 and stops at its
// strategy's pause point (pause.hpp). The rival (slot 1) waits for that, then
// allocates `rival_updates` pages from node 1. A plain count then stores the
// value it loaded before the rival's updates: all of them are lost, exactly. A
// strategy whose locks make the rival wait (plain_global_lock) holds the victim
// until `pause_limit_seconds` pass, then lets both finish: nothing is lost.
// Both threads look at the stop flag at least every 20 ms while they wait, and
// the rival between updates: a run ends soon after a stop, its figures
// meaningless. The threads are paused_update_team.hpp.
#pragma once

#include <optional>

#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"

namespace sgx {

inline constexpr long long kMaxRivalUpdates = 1LL << 20;
inline constexpr double kMinPauseSeconds = 0.001;
inline constexpr double kMaxPauseSeconds = 10.0;

struct PausedUpdateConfig {
    long long rival_updates = 16;
    double pause_limit_seconds = 0.2;  // how long the victim waits for the rival
    std::optional<long long> counter_batch;
    bool packed = false;

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
    // The counter's options: the plain updates in their load/store form, whose gap the pause holds open.
    CounterOptions counter_options() const;
};

struct PausedUpdateStats {
    bool rival_finished_in_pause = false;  // the rival's updates all ran while the victim was paused
    long counter = 0;                      // the cheap read afterwards
    long exact_count = 0;                  // the strategy's exact read afterwards
    long true_free = 0;                    // the sum of the free lists afterwards
};

}  // namespace sgx
