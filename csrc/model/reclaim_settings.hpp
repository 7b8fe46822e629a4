// ReclaimSettings: everything the one fault path (fault_path.hpp, reclaimer.hpp)
// is run with beyond the pool's shape. The threaded scenario and the explorer's
// reduced scenario fill the same fields (scenario/reclaim_scenario.hpp's
// ReclaimConfig, explore/explore.hpp's ExploreConfig) and differ only in their
// values: sizes, watermarks, and what the workload does.
#pragma once

#include "model/enclave.hpp"
#include "model/watermark.hpp"

namespace sgx {

struct ReclaimSettings {
    unsigned workers = 2;            // fault workers, slots 0 .. workers - 1; ksgxd's slot is `workers`
    EnclavePageId enclave_pages = 0;  // shared out among the workers, worker i's share in enclave i (or the one)
    bool shared_enclave = false;     // one enclave (one lock) for every worker; else one enclave per worker
    long long unreclaimable_pages = 0;  // held from before the first fault, never on the active list (SECS, VA)

    // The kernel's constants and the watermark test.
    Watermarks marks{32, 64};  // SGX_NR_LOW_PAGES, SGX_NR_HIGH_PAGES
    long scan = 16;            // SGX_NR_TO_SCAN
    Comparison comparison = Comparison::kernel_unsigned;
    WatermarkRead watermark_read = WatermarkRead::cheap;

    // What each worker does: `passes` passes over its share; a touch of a page not
    // present faults (or, with direct_reclaim, is added as EADD adds it); with
    // remove_last_pass the last pass removes each page instead.
    long long passes = 1;
    bool direct_reclaim = false;
    bool remove_last_pass = false;
    // A served fault leaves its page young (the retried access sets the accessed
    // bit), or old as sgx_vma_fault() itself leaves it.
    bool fault_leaves_young = true;
    long long max_retries = 1LL << 62;  // one fault retried more than this raises retry_limit_hit()

    long long leak_pages = 0;  // tests of the conservation check only: ksgxd loses this many pages
    bool meet_write_back = false;  // tests only: a fault meets a page being written back (write_back_meeting.hpp)

    unsigned enclaves() const noexcept { return shared_enclave ? 1U : workers; }
};

}  // namespace sgx
