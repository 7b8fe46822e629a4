// The read-cost benchmark: what one cheap read (or exact read) of the counter
// costs while writers churn the pool, and what the reads cost the writers.
//
// `writers` std::threads run the hammer's loop (allocate `batch` pages, free
// them) on a fresh pool, using slots 0 .. writers - 1, while one more thread reads the
// counter in a loop until every writer has finished. A counter whose read sums
// lines the writers keep changing (per_node, striped) pays a cache miss per
// line; one whose read takes a lock (percpu_batch's exact read) also delays the
// writers that need it. Models no kernel function: it measures
// should_reclaim()'s side of the counter. The team is read_cost_team.hpp.
#pragma once

#include <optional>
#include <vector>

#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"

namespace sgx {

struct ReadCostConfig {
    long long writers = 1;
    long long nodes = 2;
    long long pages_per_node = 4096;
    long long ops = 1'000'000;  // per writer, rounded up to whole batches; with no writers, reads
    // Pages a writer allocates before freeing them: 64 makes percpu_batch's deltas
    // reach its default batch and fold, so its global count changes under the
    // reader as it does under real traffic (alloc/free pairs never fold).
    long long batch = 64;
    long long work = 0;         // busy-loop turns between two writer operations
    bool exact_read = false;    // read exact_count() instead of the cheap read
    bool pin = false;           // writer i on the i-th allowed CPU, the reader on the next (wrapping round)
    std::optional<long long> counter_batch{};  // percpu_batch's batch; the default when empty
    bool packed = false;

    // The counter's options; throws std::invalid_argument for a bad batch.
    CounterOptions counter_options() const;

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct ReadCostStats {
    double writer_seconds = 0;    // start barrier released to the last writer finished
    double reader_seconds = 0;    // start barrier released to the reader's last read
    long long writer_ops = 0;     // allocation attempts plus frees, all writers
    long long reads = 0;          // reads the reader completed
    long counter_batch = 0;       // the batch percpu_batch ran with
    std::vector<long long> per_writer_ops;
};

}  // namespace sgx
