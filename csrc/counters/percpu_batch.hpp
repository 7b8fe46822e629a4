// percpu_batch: Linux's batched per-CPU counter (lib/percpu_counter.c) as a
// counter strategy. Models percpu_counter_add_batch(), percpu_counter_read()
// and percpu_counter_sum().
//
// Each slot (slot.hpp: the model's CPU) owns a local delta in its own cell. An
// update changes only its slot's delta until |delta| reaches the batch, then
// folds the delta into one global count under a spinlock. Update cost: a load
// and a store to a line no other thread writes, plus one lock round trip every
// `batch` updates of that slot. The cheap read loads the global count alone and
// may be off by up to (batch - 1) per slot in use; exact() takes the lock and
// adds every slot in use. default_counter_batch() (counter_options.hpp) states
// the trade-off.
//
// Slots register once: a slot's first update (a cold branch on its own cell)
// enters it in a list, so exact() sums only the slots ever used, not all 1025.
// Memory: a cell per possible slot (as the kernel allocates per possible CPU)
// and a 4-byte list entry each: about 135 KiB padded, 20 KiB packed.
//
// Update site: after the node lock is released, as the upstream fix places its
// atomic. A fold inside the node lock would nest the counter's lock in it, so
// every node's critical section would wait on every other node's folds.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>

#include "base/padded.hpp"
#include "base/slot.hpp"
#include "base/spinlock.hpp"
#include "counters/cell_layout.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/node_pages.hpp"
#include "counters/pause.hpp"

namespace sgx {

template <class Cells = PaddedCells, class Pause = NoPause>
class PercpuBatch {
public:
    static constexpr std::string_view name = "percpu_batch";
    static constexpr Accuracy accuracy = Accuracy::bounded;
    static constexpr UpdateSite site = UpdateSite::after_node_unlock;
    using pause_policy = Pause;

    PercpuBatch(NodePages pages, const CounterOptions& options)
        : batch_(options.counter_batch),
          slots_(std::make_unique<SlotCell[]>(kSlotCount)),
          registry_(std::make_unique<Slot[]>(kSlotCount)) {
        global_.value.count.store(total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }

    void on_alloc(unsigned, Slot slot) noexcept { add(slot, -1); }
    void on_free(unsigned, Slot slot) noexcept { add(slot, +1); }

    // percpu_counter_read(): one load of the global count, no lock. Off by the
    // unfolded deltas, at most (batch - 1) per slot in use. Relaxed: a stale but
    // untorn value is what the kernel's read gives too.
    long read() const noexcept {
        Pause::at(Access::load, Shared::counter, 0, global_.value.count);
        return global_.value.count.load(std::memory_order_relaxed);
    }

    // percpu_counter_sum(): the global count plus every registered slot's delta,
    // under the lock, so no fold is seen half done. Costs the lock and a load per
    // slot in use. Exact when quiescent; while threads update, each term may
    // miss the updates still in flight (one per running thread).
    long exact() const noexcept {
        PausedGuard<Pause> hold(global_.value.lock, Shared::global_lock, 0);
        Pause::at(Access::load, Shared::counter, 0, global_.value.count);
        long sum = global_.value.count.load(std::memory_order_relaxed);
        const long used = global_.value.registered.load(std::memory_order_relaxed);
        // Relaxed loads of deltas their owners store without the lock: each is
        // some value the owner wrote; the barrier or join before a quiescent
        // read orders the last one before this load.
        for (long index = 0; index < used; ++index) {
            const Slot slot = registry_[index];
            Pause::at(Access::load, Shared::cpu_delta, slot, slots_[slot].value.delta);
            sum += slots_[slot].value.delta.load(std::memory_order_relaxed);
        }
        return sum;
    }

    // The most read() can differ from exact() at a quiescent point: each slot in
    // use holds an unfolded delta of at most batch - 1 either way. Relaxed: a
    // slot registering meanwhile only makes the figure one slot late.
    long read_error_bound() const noexcept {
        return (batch_ - 1) * global_.value.registered.load(std::memory_order_relaxed);
    }

    // __percpu_counter_compare()'s margin: batch x num_online_cpus(), the
    // model's CPUs online being the slots in use. Wider than read_error_bound()
    // by one update per slot, as the kernel's is. Relaxed: as read_error_bound().
    long compare_margin() const noexcept {
        return batch_ * global_.value.registered.load(std::memory_order_relaxed);
    }

    std::size_t state_bytes() const noexcept {
        return sizeof *this + kSlotCount * (sizeof(SlotCell) + sizeof(Slot));
    }

private:
    struct SlotState {
        // Written only by the slot's owner; read by exact() from other threads,
        // hence atomic. Relaxed loads and stores compile to plain moves.
        std::atomic<long> delta{0};
        bool registered = false;  // read and written by the owner only
    };
    using SlotCell = typename Cells::template Cell<SlotState>;

    struct Global {
        Spinlock lock;
        std::atomic<long> count{0};       // written under `lock`, read without it by read()
        std::atomic<long> registered{0};  // slots in registry_; written under `lock`
    };

    // percpu_counter_add_batch(): the owner alone touches its delta, so this
    // load-add-store is whole without a lock or a lock prefix.
    void add(Slot slot, long amount) noexcept {
        SlotState& mine = slots_[slot].value;
        if (!mine.registered) [[unlikely]] enroll(slot, mine);
        Pause::at(Access::load, Shared::cpu_delta, slot, mine.delta);
        const long delta = mine.delta.load(std::memory_order_relaxed) + amount;
        if (delta >= batch_ || delta <= -batch_) [[unlikely]] {
            fold(slot, mine, delta);
            return;
        }
        Pause::at(Access::store, Shared::cpu_delta, slot, mine.delta);  // harmless: no other thread stores here
        mine.delta.store(delta, std::memory_order_relaxed);
    }

    // Apart from the fast path: once every `batch` updates of a slot.
    [[gnu::noinline]] void fold(Slot slot, SlotState& mine, long delta) noexcept {
        Global& global = global_.value;
        PausedGuard<Pause> hold(global.lock, Shared::global_lock, 0);
        // The lock makes this read-modify-write whole; relaxed is a plain move.
        Pause::at(Access::load, Shared::counter, 0, global.count);
        const long seen = global.count.load(std::memory_order_relaxed);
        Pause::at(Access::store, Shared::counter, 0, global.count);
        global.count.store(seen + delta, std::memory_order_relaxed);
        Pause::at(Access::store, Shared::cpu_delta, slot, mine.delta);
        mine.delta.store(0, std::memory_order_relaxed);
    }

    // Once per slot per pool: the model's CPU coming online.
    [[gnu::cold, gnu::noinline]] void enroll(Slot slot, SlotState& mine) noexcept {
        Global& global = global_.value;
        PausedGuard<Pause> hold(global.lock, Shared::global_lock, 0);
        const long used = global.registered.load(std::memory_order_relaxed);
        registry_[used] = slot;
        global.registered.store(used + 1, std::memory_order_relaxed);
        mine.registered = true;
    }

    long batch_;
    mutable Padded<Global> global_;  // mutable: exact() takes the lock
    std::unique_ptr<SlotCell[]> slots_;  // one per possible slot, indexed by Slot
    std::unique_ptr<Slot[]> registry_;   // the slots in use, in order of first use; under the lock
};

static_assert(CounterStrategy<PercpuBatch<PaddedCells>>);
static_assert(CounterStrategy<PercpuBatch<PackedCells>>);

}  // namespace sgx
