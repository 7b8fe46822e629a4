// Compiled and run by tests/test_hang_proof.py: scenario/hang_proof.hpp's
// proves_hung() on a stand-in model whose state each case sets by hand, so the
// proof's every condition is tested on its own, including the one no schedule
// of the real model can isolate (an empty active list with a worker waiting:
// the fault that finds the lists and the active list empty gets -ENOMEM from
// sgx_alloc_epc_page(), so that state is out of memory, never the hang).
//
// Exit status: 0 when every case gives the expected verdict; otherwise 1, and
// stdout names each case that did not.
#include <cstdio>
#include <vector>

#include "scenario/hang_proof.hpp"

namespace {

// The state proves_hung() reads, as plain values.
struct State {
    bool ksgxd_asleep = true;
    long free = 0;
    long active = 4;
    long reclaimable = 4;
    std::vector<sgx::Phase> phases{sgx::Phase::waiting_for_page, sgx::Phase::waiting_for_page};
    bool fault_wakes_ksgxd = false;  // should_reclaim(low)
};

// The model's interface as proves_hung() uses it, each lock's section run in place.
struct StandIn {
    State state;

    struct Queue {
        const State& state;
        template <class Check>
        bool while_asleep(Check&& check) const { return state.ksgxd_asleep && check(); }
    };
    struct Pool {
        const State& state;
        template <class Check>
        bool with_lists_locked(Check&& check) const { return check(state.free); }
    };
    struct Enclaves {
        const State& state;
        template <class Check>
        bool with_active_list_locked(Check&& check) const { return check(state.active); }
    };
    struct Ksgxd {
        const State& state;
        bool should_wake() const { return state.fault_wakes_ksgxd; }
    };

    Queue queue() const { return {state}; }
    Pool pool() const { return {state}; }
    Enclaves enclaves() const { return {state}; }
    Ksgxd reclaimer() const { return {state}; }
    long reclaimable_pages() const { return state.reclaimable; }
    unsigned workers() const { return static_cast<unsigned>(state.phases.size()); }
    sgx::Phase phase(unsigned worker) const { return state.phases[worker]; }
};

int failures = 0;

void expect(const char* name, const State& state, bool hung) {
    StandIn model{state};
    if (sgx::proves_hung(model) != hung) {
        std::printf("%s: expected %s\n", name, hung ? "hung" : "not hung");
        ++failures;
    }
}

}  // namespace

int main() {
    const State hang;
    expect("the absorbing state", hang, true);

    State empty_active = hang;  // nothing resident, nothing to reclaim: -ENOMEM's state
    empty_active.active = 0;
    empty_active.reclaimable = 0;
    expect("an empty active list with a worker waiting", empty_active, false);

    State page_free = hang;
    page_free.free = 1;
    expect("a free page", page_free, false);

    State awake = hang;
    awake.ksgxd_asleep = false;
    expect("ksgxd awake or woken", awake, false);

    State page_in_hand = hang;  // a page off the active list: in someone's hands, a free may follow
    page_in_hand.active = 3;
    expect("a reclaimable page off the active list", page_in_hand, false);

    State running = hang;
    running.phases[1] = sgx::Phase::running;
    expect("a worker still running", running, false);

    State all_done = hang;
    all_done.phases = {sgx::Phase::done, sgx::Phase::done};
    expect("every worker done", all_done, false);

    State wakes = hang;
    wakes.fault_wakes_ksgxd = true;
    expect("should_reclaim(low) true", wakes, false);

    return failures == 0 ? 0 : 1;
}
