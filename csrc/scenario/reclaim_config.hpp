// The reclaim scenario's settings and results: ReclaimConfig (what a run is
// asked to do), ReclaimOutcome and ReclaimStats (what it did). Plain values,
// read by the team (reclaim_team.hpp), the bindings and the strategy dispatch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/errors.hpp"
#include "base/slot.hpp"
#include "counters/counter_options.hpp"
#include "counters/remote_fetch.hpp"
#include "model/enclave.hpp"
#include "model/node_search.hpp"
#include "model/pool_shape.hpp"
#include "model/reclaim_settings.hpp"
#include "model/watermark.hpp"

namespace sgx {

inline constexpr long long kMaxPasses = 1LL << 20;
inline constexpr long long kMaxScan = 1LL << 16;  // the reclaimer's batch buffer: at most 256 KiB
inline constexpr long long kMaxRetries = 1LL << 62;
inline constexpr double kMaxStallSeconds = 3600;
inline constexpr double kMinStallSeconds = 0.001;
inline constexpr double kMinWalkInterval = 0.001;
inline constexpr long long kMaxUpdateLog = 1LL << 27;        // stamps per thread: 1 GiB
inline constexpr long long kMaxUpdateLogTotal = 1LL << 28;   // stamps over every thread: 2 GiB

struct ReclaimConfig {
    long long threads = 2;  // fault workers; the reclaimer is one more thread
    long long nodes = 2;
    long long pages_per_node = 4096;
    std::vector<long long> node_pages{};  // each node's pages (0: CPU-only); when given, `nodes` is its length
                                          // and pages_per_node is unused
    NodeSearch node_search = NodeSearch::fixed_2024;
    long long enclave_pages = 16384;  // twice the default EPC: reclaim is needed
    long long passes = 3;  // each worker touches every page of its share this many times
    long long low = 32;    // SGX_NR_LOW_PAGES
    long long high = 64;   // SGX_NR_HIGH_PAGES
    long long scan = 16;   // SGX_NR_TO_SCAN
    Comparison comparison = Comparison::kernel_unsigned;
    WatermarkRead watermark_read = WatermarkRead::cheap;  // the kernel's; exact_near_watermark for percpu_batch
    long long initial_drift = 0;
    std::optional<long long> counter_batch;  // percpu_batch's batch; none: default_counter_batch()
    bool packed = false;                     // the padding ablation's packed cells
    // Where the pool's hot objects sit (model/pool_layout.hpp): the scenario models the kernel, so v5.15's.
    MemoryLayout memory_layout = MemoryLayout::kernel;
    PlainUpdate plain_update = PlainUpdate::in_place;  // plain strategies: one instruction, or load then store
    long long remote_fetch_ns = 0;  // plain strategies, load_store only: the remote line fetch inside the update
    bool shared_enclave = false;  // one enclave for every worker (one lock); else one enclave per worker
    bool direct_reclaim = false;  // allocate with reclaim=true (EADD, EAUG): reclaim when the lists are empty
    bool remove_last_pass = false;  // the last pass removes each page (SGX_IOC_ENCLAVE_REMOVE_PAGES), freeing it
    // A served fault leaves its page young: the faulting access is retried and the
    // MMU sets the accessed bit sgx_vma_fault() cleared. False: old, as sgx_vma_fault()
    // itself leaves it (what a harness of the kernel's functions, with no MMU, sees).
    bool fault_leaves_young = true;
    // EPC pages allocated before the run and never reclaimable, as the kernel's
    // SECS and version-array pages are: with every other page isolated or gone,
    // an allocation gets -ENOMEM.
    long long unreclaimable_pages = 0;
    // > 0: the drift walk. The watchdog reads the count and the free pages this often
    // (and once more at the end), every node lock held: for the strategies that update
    // inside the node lock that is one instant with no update in flight; the others may
    // show one update in flight per thread.
    double walk_interval_seconds = 0;
    // > 0: stamp the time of every update of the one shared count, up to this many per
    // thread (counters/update_clock.hpp); only the strategies with one shared count.
    long long update_log_limit = 0;
    double stall_seconds = 0.5;  // no touch completed anywhere for this long, and no hang proven: stalled
    long long max_retries = 1LL << 27;  // one fault retried more than this: hung if proven, else stalled
    bool pin = true;  // worker i on the i-th allowed CPU (wrapping round); the reclaimer floats
    long long leak_pages = 0;  // for tests of the conservation check: the reclaimer loses this many
    bool meet_write_back = false;  // for tests of -EBUSY: a fault meets a page being written back

    // Throws std::invalid_argument naming the first bad field, before anything is allocated.
    void validate() const;
    // The counter's options these settings give (validate() checks them first).
    CounterOptions counter_options() const;

    // What the one fault path runs with (model/reclaim_settings.hpp).
    ReclaimSettings settings() const;
};

enum class ReclaimOutcome {
    completed,      // every worker finished every pass
    hung,           // proven: the absorbing state, which no thread can ever leave (reclaim_scenario.cpp)
    stalled,        // no progress for stall_seconds (or a fault past max_retries), but not proven hung: starved
    out_of_memory,  // an allocation found every free list and the active list empty: -ENOMEM, SIGBUS
    interrupted,    // the caller's StopFlag (Ctrl-C) stopped it first
    soft_lockup,    // stuck inside the allocator: a worker on a CPU-only node, searching as
                    // v5.13 did, found every list empty (SoftLockupError), so woke no one
};

struct ReclaimStats {
    ReclaimOutcome outcome = ReclaimOutcome::completed;
    double elapsed_seconds = 0;  // start line to the moment the run ended or was declared hung
    long long touches = 0;       // page touches completed: hits plus faults served
    long long faults_served = 0;
    long long fault_retries = 0;          // failed allocations that made a fault try again
    long long longest_fault_retries = 0;  // the most retries one fault needed
    long long reclaimer_wakeups = 0;      // times the reclaimer slept and was woken with work to do
    long long pages_reclaimed = 0;        // by ksgxd and by direct reclaim
    long long pages_reclaimed_directly = 0;  // by workers allocating with reclaim=true
    long long pages_removed = 0;          // freed by the removal pass
    long long wake_calls = 0;             // allocations that ended in wake_up(&ksgxd_waitq), served or not
    long long young_skipped = 0;          // pages the reclaimer put back because they were accessed (second chance)
    long long busy_being_reclaimed = 0;   // fault attempts that found their page being written back (-EBUSY)
    double reclaim_seconds = 0;           // ksgxd awake, reclaiming
    double fault_wait_seconds = 0;        // faults waiting for a page, summed over workers (first failure to served)
    // Read with every thread joined, so equal to their values at the hang.
    long counter = 0;      // the cheap read should_reclaim sees
    long exact_count = 0;  // the strategy's exact read (differs from counter only for percpu_batch)
    long true_free = 0;    // pages on the free lists
    long active_pages = 0;  // resident enclave pages, all on the active list
    // should_reclaim(low) as the reclaimer evaluates it (comparison, watermark read and
    // active list included): false at a hang means no allocation wakes anyone.
    bool fault_wakes_reclaimer = false;
    bool pages_conserved = false;  // the conservation check ran after the join and held
    long long soft_lockup_node = -1;  // the CPU-only node of the worker that locked up; -1: none
    std::vector<long long> faults_per_worker;
    // The drift walk (walk_interval_seconds > 0), one entry per sample: seconds since the
    // start line, touches completed, the cheap read, the exact read and the free pages.
    std::vector<double> walk_seconds;
    std::vector<long long> walk_touches;
    std::vector<long> walk_counter;
    std::vector<long> walk_exact;
    std::vector<long> walk_free;
    // update_log_limit > 0: per thread (the workers in order, then ksgxd), the steady-clock
    // nanoseconds since the start line of each update of the one shared count.
    std::vector<std::vector<long long>> update_ns;
    bool update_log_full = false;  // a thread made more updates than the limit: the rest went unstamped
};

inline void ReclaimConfig::validate() const {
    check_range("threads", threads, 1, kMaxThreads - 1);  // the reclaimer takes the slot after the last worker
    const PoolShape shape = PoolShape::checked(nodes, pages_per_node, node_pages);
    check_range("enclave_pages", enclave_pages, 1, kMaxEnclavePages);
    check_range("passes", passes, 1, kMaxPasses);
    check_range("low", low, 1, static_cast<long long>(shape.total_pages()));
    if (low > high) {
        throw_bad_argument("low must not exceed high, got low=" + std::to_string(low) +
                           ", high=" + std::to_string(high));
    }
    check_range("high", high, low, static_cast<long long>(shape.total_pages()));
    check_range("scan", scan, 1, kMaxScan);
    (void)CounterOptions::checked(initial_drift, counter_batch, packed).with_plain_update(plain_update,
                                                                                          remote_fetch_ns);
    check_seconds("stall_seconds", stall_seconds, kMinStallSeconds, kMaxStallSeconds);
    check_range("max_retries", max_retries, 1, kMaxRetries);
    check_range("leak_pages", leak_pages, 0, static_cast<long long>(shape.total_pages()));
    check_range("unreclaimable_pages", unreclaimable_pages, 0, static_cast<long long>(shape.total_pages()));
    if (walk_interval_seconds != 0) {
        check_seconds("walk_interval_seconds (0: no walk)", walk_interval_seconds, kMinWalkInterval, kMaxStallSeconds);
    }
    check_range("update_log_limit", update_log_limit, 0, std::min(kMaxUpdateLog, kMaxUpdateLogTotal / (threads + 1)));
}

inline CounterOptions ReclaimConfig::counter_options() const {
    CounterOptions options = CounterOptions::checked(initial_drift, counter_batch, packed);
    options.with_plain_update(plain_update, remote_fetch_ns).with_memory_layout(memory_layout);
    return options;
}

inline ReclaimSettings ReclaimConfig::settings() const {
    ReclaimSettings settings;
    settings.workers = static_cast<unsigned>(threads);
    settings.enclave_pages = static_cast<EnclavePageId>(enclave_pages);
    settings.shared_enclave = shared_enclave;
    settings.unreclaimable_pages = unreclaimable_pages;
    settings.marks = Watermarks{static_cast<long>(low), static_cast<long>(high)};
    settings.scan = static_cast<long>(scan);
    settings.comparison = comparison;
    settings.watermark_read = watermark_read;
    settings.passes = passes;
    settings.direct_reclaim = direct_reclaim;
    settings.remove_last_pass = remove_last_pass;
    settings.fault_leaves_young = fault_leaves_young;
    settings.max_retries = max_retries;
    settings.leak_pages = leak_pages;
    settings.meet_write_back = meet_write_back;
    return settings;
}

}  // namespace sgx
