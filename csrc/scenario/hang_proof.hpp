// The proof of the hang: the absorbing state of design.md section 1, tested on
// a ReclaimModel at one instant. The threaded scenario's watchdog asks it
// whenever a look finds no progress; the explorer asks it before each decision.
// The one definition of `hung` for both.
//
// The state: ksgxd asleep and not woken (its own test is evaluated only when
// someone wakes it); every free list empty; every EPC page but the
// unreclaimable ones resident and on the active list (so no page is in anyone's
// hands and no free is in flight), and at least one (an empty active list would
// give -ENOMEM, not a hang); every unfinished worker waiting after a failed
// allocation, at least one; and the fault path's wake-up test, should_reclaim(low),
// false. From there every thread's next step is a failed allocation and a false
// wake-up test, forever: no step can change the count, the lists or ksgxd's state.
//
// It holds ksgxd's wait-queue lock, every node lock and the active list's lock
// while it tests, so the state is read at one instant. The caller must know that
// no thread holding one of those locks is parked where it stands (the explorer
// asks only when every unfinished worker is between two attempts and ksgxd sleeps;
// real threads release them by themselves).
#pragma once

#include "model/fault_caller.hpp"

namespace sgx {

template <class Model>
bool proves_hung(Model& model) {
    return model.queue().while_asleep([&] {
        return model.pool().with_lists_locked([&](long free) {
            if (free != 0) return false;
            return model.enclaves().with_active_list_locked([&](long active) {
                if (active == 0 || active != model.reclaimable_pages()) return false;
                bool someone_waits = false;
                for (unsigned worker = 0; worker < model.workers(); ++worker) {
                    const Phase phase = model.phase(worker);
                    if (phase == Phase::running) return false;
                    someone_waits = someone_waits || phase == Phase::waiting_for_page;
                }
                return someone_waits && !model.reclaimer().should_wake();
            });
        });
    });
}

}  // namespace sgx
