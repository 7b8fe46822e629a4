// CounterOptions: what a counter strategy is built with beyond the pool's shape.
// One small struct, passed to every Counter's constructor, so a new option does
// not grow every constructor's parameter list. Strategies read only the fields
// that concern them; the others are accepted and ignored (a packed layout means
// nothing to a strategy with a single count).
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "counters/cell_layout.hpp"
#include "counters/remote_fetch.hpp"

namespace sgx {

// percpu_batch's batch: how far a thread's local delta may run before it is
// folded into the global count. The trade-off, as in lib/percpu_counter.c: a
// bigger batch takes the global lock once per `batch` updates instead of more
// often (cheaper updates under contention), and lets the cheap read be off by up
// to (batch - 1) per thread that has used the counter (a bigger read error).
// The kernel's default is max(32, 2 x online CPUs); ours counts usable CPUs.
inline long default_counter_batch() { return std::max(32L, 2 * usable_cpu_count()); }

// 2^30 x 1025 slots stays far from overflowing the count.
inline constexpr long long kMaxCounterBatch = 1LL << 30;

// Far beyond any real drift, and far from overflowing the count.
inline constexpr int kMaxInitialDriftLog2 = 40;
inline constexpr long long kMaxInitialDrift = 1LL << kMaxInitialDriftLog2;

inline void check_drift(long long initial_drift) {
    if (initial_drift < -kMaxInitialDrift || initial_drift > kMaxInitialDrift) {
        const std::string limit = "2^" + std::to_string(kMaxInitialDriftLog2);
        throw_bad_argument("initial_drift must be between -" + limit + " and " + limit + ", got " +
                           std::to_string(initial_drift));
    }
}

struct CounterOptions {
    // Start the count this far from the truth, as if updates had already been lost.
    long initial_drift = 0;
    // percpu_batch only; see default_counter_batch() for what it trades.
    long counter_batch = default_counter_batch();
    // per_node, percpu_batch and striped only: padded cells, or packed for the ablation.
    CellLayout layout = CellLayout::padded;
    // Where the pool puts its node array, its counter and main.c's other statics
    // (model/pool_layout.hpp); kernel implies packed cells (with_memory_layout()).
    MemoryLayout memory_layout = MemoryLayout::padded;
    // plain_node_lock and plain_unlocked only: how the racy update is compiled
    // (remote_fetch.hpp), and the remote fetch inside the load_store form.
    PlainUpdate plain_update = PlainUpdate::in_place;
    long remote_fetch_ns = 0;
    // striped only: its cell count, a power of two; 0: the machine's (default_stripe_count()).
    // The explorer fixes it, so its schedule counts are the same on every machine.
    long stripes = 0;

    // The plain update's form and window from a caller's raw values.
    CounterOptions& with_plain_update(PlainUpdate form, long long window_ns) {
        check_range("remote_fetch_ns", window_ns, 0, kMaxRemoteFetchNs);
        if (window_ns > 0 && form != PlainUpdate::load_store) {
            throw_bad_argument("remote_fetch_ns needs plain_update=load_store: the in-place update is one instruction");
        }
        plain_update = form;
        remote_fetch_ns = static_cast<long>(window_ns);
        return *this;
    }

    // The placement a run asks for. The kernel's sharing packs the cells too:
    // v5.15 has no padding anywhere, so a strategy's cells are one plain array
    // and a one-count strategy's count is a bare long beside its neighbours.
    CounterOptions& with_memory_layout(MemoryLayout placement) {
        memory_layout = placement;
        if (placement != MemoryLayout::padded) layout = CellLayout::packed;
        return *this;
    }

    // Options from a caller's raw values (Python's): no batch means the default.
    static CounterOptions checked(long long initial_drift, std::optional<long long> counter_batch, bool packed) {
        check_drift(initial_drift);
        CounterOptions options;
        options.initial_drift = static_cast<long>(initial_drift);
        if (counter_batch) {
            check_range("counter_batch", *counter_batch, 1, kMaxCounterBatch);
            options.counter_batch = static_cast<long>(*counter_batch);
        }
        options.layout = packed ? CellLayout::packed : CellLayout::padded;
        return options;
    }
};

}  // namespace sgx
