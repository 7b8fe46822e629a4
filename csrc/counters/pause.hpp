// Pause points: where a counter update can be held open between its load and
// its store, so a test can force the interleaving that loses an update.
//
// Every strategy calls Pause::between_load_and_store() at that gap (just before
// the RMW where the update is one atomic instruction and has no gap). Pause is a
// template parameter: the strategies users run take NoPause, an empty inline
// function that compiles to nothing, so the hot path pays nothing; only the
// test mode (paused_update.cpp) instantiates the counters with a real pause.
#pragma once

namespace sgx {

struct NoPause {
    static void between_load_and_store() noexcept {}
};

}  // namespace sgx
