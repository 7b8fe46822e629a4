// FaultCaller: what one thread carries through the fault path (fault_path.hpp):
// its node and slot (the model's numa_node_id() and smp_processor_id(), which
// follow the caller, not the OS thread), its tally, the phase the hang proof
// reads, and its chunk buffer for direct reclaim. Plain values, owned by
// ReclaimModel, one per worker.
#pragma once

#include <atomic>
#include <chrono>
#include <vector>

#include "base/slot.hpp"
#include "model/enclave.hpp"

namespace sgx {

// What one attempt at a fault or a removal came to (under the enclave's lock).
// soft_lockup: a CPU-only node's worker, v5.13's search, every list empty: the
// kernel would spin inside __sgx_alloc_epc_page() for good (node_search.hpp).
enum class Attempt { served, busy, out_of_memory, soft_lockup };

// How a fault (retried until served), a removal or a worker's whole share ended.
enum class FaultEnd {
    served,         // served (or, for a share, every pass done)
    out_of_memory,  // -ENOMEM: the free lists and the active list were all empty (SIGBUS)
    soft_lockup,    // the v5.13 search from a CPU-only node found every list empty
    stopped,        // the run is being wound down (a fatal signal, in the kernel's terms)
};

// A worker's phase, for the hang proof (scenario/hang_proof.hpp).
enum class Phase : int {
    // anything but the two below: it may still take or free a page, or wake ksgxd
    running,
    // its last allocation failed, it has made the wake-up test that follows (and
    // woken ksgxd if that test said so), and it has allocated nothing since: from
    // a state no one changes, its next attempts fail the same way and wake no one
    waiting_for_page,
    done,  // finished (or stopped): it will never touch the pool again
};

struct FaultTally {
    long long faults = 0;  // faults served (EADDs included)
    long long retries = 0;
    long long longest = 0;  // the most retries one fault needed
    long long removed = 0;
    long long reclaimed = 0;  // by direct reclaim
    long long wakes = 0;      // allocations that ended in wake_up(&ksgxd_waitq)
    long long busy_being_reclaimed = 0;
    std::chrono::steady_clock::duration waiting{};  // first failure to served, summed
};

struct FaultCaller {
    unsigned local;  // its node: thread i % nodes
    Slot slot;       // its slot: thread i
    FaultTally& tally;
    std::atomic<Phase>& phase;
    std::vector<EnclavePageId> chunk;  // for direct reclaim; empty otherwise
    Attempt failure = Attempt::busy;   // why the last allocation gave no page
    bool waiting = false;              // phase is waiting_for_page
};

}  // namespace sgx
