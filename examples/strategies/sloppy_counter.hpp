// The sloppy counter of Operating Systems: Three Easy Pieces (Arpaci-Dusseau,
// "Lock-based Concurrent Data Structures", section 29.1): a local count per node,
// each under its own lock, and one global count under another. An update
// changes its node's local count; when that reaches the threshold in either
// direction, it moves the local count into the global one. The global count
// alone is off by at most (threshold - 1) per node; the exact read takes every
// lock, as OSTEP suggests, and adds the locals. Included by sloppy_exact.hpp and
// sloppy_bounded.hpp, which differ only in what read() returns. Its counts live
// in cells (one per node), so it is a CellCounts family: the cell layout is a
// policy, as for the built-in per_node.
#pragma once

#include <cstdlib>
#include <memory>

#include <pysgxalloc/strategy.hpp>

// How far a local count goes before it is moved into the global one. OSTEP
// uses hundreds; 2 keeps the explorer's small runs moving counts (3 threads on
// 2 nodes share node 0's local count and fold it into the global one).
inline constexpr long kSloppyThreshold = 2;

template <bool ExactRead, class Name, class Cells, class Pause>
class Sloppy {
public:
    static constexpr std::string_view name = Name::value;
    static constexpr sgx::Accuracy accuracy = ExactRead ? sgx::Accuracy::exact : sgx::Accuracy::bounded;
    static constexpr sgx::UpdateSite site = sgx::UpdateSite::after_node_unlock;  // its own locks, not the node's
    using pause_policy = Pause;

    Sloppy(sgx::NodePages pages, const sgx::CounterOptions& options)
        : nodes_(static_cast<unsigned>(pages.size())), locals_(std::make_unique<Local[]>(pages.size())) {
        global_.value.count.store(sgx::total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }
    void on_alloc(unsigned node, sgx::Slot) noexcept { add(node, -1); }
    void on_free(unsigned node, sgx::Slot) noexcept { add(node, +1); }
    long read() const noexcept {
        if constexpr (ExactRead) return exact();
        // One relaxed load, no lock: stale by the locals not yet moved, never torn.
        Pause::at(sgx::Access::load, sgx::Shared::counter, 0, global_.value.count);
        return global_.value.count.load(std::memory_order_relaxed);
    }
    // Every local lock in node order, then the global one: the sum at one instant.
    long exact() const noexcept { return sum_locked(0); }
    long read_error_bound() const noexcept { return ExactRead ? 0 : (kSloppyThreshold - 1) * nodes_; }
    std::size_t state_bytes() const noexcept { return sizeof *this + nodes_ * sizeof(Local); }

private:
    struct Counted {
        sgx::Spinlock lock;
        std::atomic<long> count{0};  // atomic only so the lock-free read() is well defined
    };
    using Local = typename Cells::template Cell<Counted>;  // padded, or packed for costs' ablation

    long sum_locked(unsigned node) const noexcept {
        if (node == nodes_) {
            sgx::PausedGuard<Pause> hold(global_.value.lock, sgx::Shared::global_lock, 0);
            Pause::at(sgx::Access::load, sgx::Shared::counter, 0, global_.value.count);
            return global_.value.count.load(std::memory_order_relaxed);
        }
        sgx::PausedGuard<Pause> hold(locals_[node].value.lock, sgx::Shared::node_count, node);
        Pause::at(sgx::Access::load, sgx::Shared::node_count, node, locals_[node].value.count);
        const long local = locals_[node].value.count.load(std::memory_order_relaxed);
        return local + sum_locked(node + 1);
    }

    // Relaxed loads and stores: the lock held makes each read-modify-write whole.
    void add(unsigned node, long delta) noexcept {
        Counted& local = locals_[node].value;
        sgx::PausedGuard<Pause> hold(local.lock, sgx::Shared::node_count, node);
        Pause::at(sgx::Access::load, sgx::Shared::node_count, node, local.count);
        const long now = local.count.load(std::memory_order_relaxed) + delta;
        long keep = now;
        if (std::labs(now) >= kSloppyThreshold) {
            sgx::PausedGuard<Pause> hold_global(global_.value.lock, sgx::Shared::global_lock, 0);
            Pause::at(sgx::Access::load, sgx::Shared::counter, 0, global_.value.count);
            const long global = global_.value.count.load(std::memory_order_relaxed);
            Pause::at(sgx::Access::store, sgx::Shared::counter, 0, global_.value.count);
            global_.value.count.store(global + now, std::memory_order_relaxed);
            keep = 0;
        }
        Pause::at(sgx::Access::store, sgx::Shared::node_count, node, local.count);
        local.count.store(keep, std::memory_order_relaxed);
    }

    unsigned nodes_;
    std::unique_ptr<Local[]> locals_;
    mutable sgx::Padded<Counted> global_;  // mutable: exact() takes its lock
};
