// striped: Java's LongAdder as a counter strategy. Nothing in the kernel models
// it; it is the other well-known way to take a hot counter off one cache line.
//
// The count is spread over a power-of-two number of atomic cells. A thread picks
// its cell once, by slot (slot & mask: no hashing, no lookup per operation), and
// updates it with a lock-prefixed add; the cheap read sums every cell. Update
// cost: one atomic add on a line shared only with the threads whose slots map
// to the same cell. Read cost: one load per cell. Exact when quiescent (every
// update lands in some cell and a sum of all cells misses none); while threads
// update, the sum may mix cells read before and after an update. Memory: one
// cell per stripe, 128 bytes padded, 8 packed.
//
// Cells: the next power of two at or above the usable CPUs, at most kMaxStripes,
// as LongAdder stops growing at the CPU count: more cells than threads that can
// run at once cannot lower contention; or CounterOptions::stripes where given
// (the explorer gives it: a schedule count that followed the machine's CPUs
// would reproduce only on machines like the one that printed it). Slots i and i + cells share a cell, which
// stays correct (the add is atomic) and only costs contention.
//
// Update site: after the node lock is released, like the atomic fix: the add
// needs no lock, so it has no reason to lengthen a critical section.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/slot.hpp"
#include "counters/cell_layout.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/node_pages.hpp"
#include "counters/pause.hpp"

namespace sgx {

// 64 padded cells are 8 KiB; beyond that a read's sum outweighs what more cells save.
inline constexpr unsigned long kMaxStripes = 64;

inline unsigned long default_stripe_count() {
    const auto cpus = static_cast<unsigned long>(std::max(1L, usable_cpu_count()));
    return std::min(kMaxStripes, std::bit_ceil(cpus));
}

// A cell count given by a caller: a power of two from 1 to kMaxStripes.
inline void check_stripes(long long stripes) {
    check_range("stripes", stripes, 1, static_cast<long long>(kMaxStripes));
    if (!std::has_single_bit(static_cast<unsigned long long>(stripes))) {
        throw_bad_argument("stripes must be a power of two (a slot picks its cell by slot & (stripes - 1)), got " +
                           std::to_string(stripes));
    }
}

template <class Cells = PaddedCells, class Pause = NoPause>
class Striped {
public:
    static constexpr std::string_view name = "striped";
    static constexpr Accuracy accuracy = Accuracy::exact;
    static constexpr UpdateSite site = UpdateSite::after_node_unlock;
    using pause_policy = Pause;

    Striped(NodePages pages, const CounterOptions& options)
        : mask_((options.stripes > 0 ? static_cast<unsigned long>(options.stripes) : default_stripe_count()) - 1), cells_(std::make_unique<Cell[]>(mask_ + 1)) {
        // No other thread yet; which cell holds the start is irrelevant to the sum.
        cells_[0].value.store(total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }

    // Relaxed, as LongAdder's cells: a lock-prefixed add never loses an update,
    // and nothing is published through the count.
    // The pause point sits before the add, which has no gap of its own.
    void on_alloc(unsigned, Slot slot) noexcept {
        const unsigned long cell = slot & mask_;
        Pause::at(Access::rmw, Shared::stripe, static_cast<unsigned>(cell), cells_[cell].value);
        cells_[cell].value.fetch_sub(1, std::memory_order_relaxed);
    }
    void on_free(unsigned, Slot slot) noexcept {
        const unsigned long cell = slot & mask_;
        Pause::at(Access::rmw, Shared::stripe, static_cast<unsigned>(cell), cells_[cell].value);
        cells_[cell].value.fetch_add(1, std::memory_order_relaxed);
    }

    // LongAdder.sum(): one relaxed load per cell, no lock. Exact when quiescent;
    // while threads update it is some mix of earlier and later cell values.
    long read() const noexcept {
        long sum = 0;
        for (unsigned long cell = 0; cell <= mask_; ++cell) {
            Pause::at(Access::load, Shared::stripe, static_cast<unsigned>(cell), cells_[cell].value);
            sum += cells_[cell].value.load(std::memory_order_relaxed);
        }
        return sum;
    }
    // Nothing more exact to sum: every update is in a cell.
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }

    unsigned long stripes() const noexcept { return mask_ + 1; }
    std::size_t state_bytes() const noexcept { return sizeof *this + stripes() * sizeof(Cell); }

private:
    using Cell = typename Cells::template Cell<std::atomic<long>>;

    unsigned long mask_;  // stripes - 1
    std::unique_ptr<Cell[]> cells_;
};

static_assert(CounterStrategy<Striped<PaddedCells>>);
static_assert(CounterStrategy<Striped<PackedCells>>);

}  // namespace sgx
