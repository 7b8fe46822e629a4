// The kernel's own answers for the free-page counter: policies for EpcPool<Counter>.
//
// Models sgx_nr_free_pages of arch/x86/kernel/cpu/sgx/main.c: a plain unsigned
// long changed under whichever node lock was held (v5.13 to v5.16-rc1), and the
// alternatives the kernel's own primitives offer (a global lock, an atomic, one
// count per node). Each has the shape of counter_strategy.hpp.
//
// Like folly's ThreadCachedInt, each strategy says what its reads cost and how
// accurate they are. None of these publish data through the count, so relaxed
// memory order is enough wherever an atomic is used: the node lock already
// orders the free lists themselves.
//
// percpu_batch.hpp and striped.hpp hold the two designs from outside the kernel.
// Every strategy takes a `Pause` policy (pause.hpp) with a point before each
// shared access: NoPause unless a test forces an interleaving or a scheduler
// explores them all.
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
#include "counters/remote_fetch.hpp"

namespace sgx {

// THE deliberate data race of this project, and the only one: models
// `sgx_nr_free_pages--` / `++` on a plain unsigned long, in one of two forms
// (remote_fetch.hpp). ThreadSanitizer instruments both like any plain access
// and reports this race, on purpose.
//
// The load/store form: a volatile load then a volatile store (the kernel's
// READ_ONCE/WRITE_ONCE, perfbook's count_nonatomic): the compiler must emit
// both and can neither fold nor hoist them, so a store another core makes
// between the two is overwritten and lost. `fetch` widens that window.
template <class Pause>
inline void racy_add(long& shared, long delta, const RemoteFetchDelay& fetch) noexcept {
    volatile long& cell = shared;
    Pause::at(Access::load, Shared::counter, 0, shared);
    const long seen = cell;
    Pause::at(Access::store, Shared::counter, 0, shared);  // the window in which another CPU's store is lost
    if (fetch.active()) [[unlikely]] fetch.wait();
    cell = seen + delta;
}

// The in-place form, as gcc compiles the kernel's plain `sgx_nr_free_pages--`: one
// unlocked add to memory (`addq`/`subq $1, mem` on x86-64). The race is inside
// the instruction: another core's store between its read and its write is lost.
// A plain, non-volatile access, so the compiler may use the one instruction; the
// locks around every call keep it from moving or merging updates across them.
template <class Pause>
inline void racy_add_in_place(long& shared, long delta) noexcept {
    Pause::at(Access::rmw, Shared::counter, 0, shared);  // one instruction has no gap: the point sits before it
    shared += delta;
}

// The matching racy load: the kernel read sgx_nr_free_pages with no lock at all.
inline long racy_load(const long& shared) noexcept {
    return static_cast<const volatile long&>(shared);
}

// The shared body of `plain_node_lock` and `plain_unlocked`: only the update site differs.
// `Count` is the count's cell (cell_layout.hpp): padded alone, or a bare long
// for the kernel's layout, where the pool places the counter beside sgx_reclaimer_lock.
template <UpdateSite Site, class Name, class Pause = NoPause, class Count = PaddedCells>
class PlainCount {
public:
    static constexpr std::string_view name = Name::value;
    static constexpr Accuracy accuracy = Accuracy::drifts;
    static constexpr UpdateSite site = Site;
    using pause_policy = Pause;
    static constexpr bool one_shared_count = true;  // every update is to Shared::counter (update_clock.hpp)

    PlainCount(NodePages pages, const CounterOptions& options)
        : in_place_(options.plain_update == PlainUpdate::in_place), fetch_(options.remote_fetch_ns) {
        count_.value = total_pages(pages) + options.initial_drift;
    }
    void on_alloc(unsigned, Slot) noexcept { add(-1); }
    void on_free(unsigned, Slot) noexcept { add(+1); }
    // One load; whatever the lost updates left behind, forever.
    long read() const noexcept {
        Pause::at(Access::load, Shared::counter, 0, count_.value);
        return racy_load(count_.value);
    }
    // Nothing more exact exists: a lost update leaves no trace to sum.
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    // One predictable branch on a read-only member picks the form.
    void add(long delta) noexcept {
        if (in_place_) [[likely]] {
            racy_add_in_place<Pause>(count_.value, delta);
        } else {
            racy_add<Pause>(count_.value, delta, fetch_);
        }
    }

    typename Count::template Cell<long> count_;
    bool in_place_;
    RemoteFetchDelay fetch_;
};

struct PlainNodeLockName {
    static constexpr std::string_view value = "plain_node_lock";
};
struct PlainUnlockedName {
    static constexpr std::string_view value = "plain_unlocked";
};

// plain_node_lock: the v5.15 bug. Each node lock serialises its own list, but
// two CPUs holding two different node locks update the one count at once.
template <class Pause = NoPause, class Count = PaddedCells>
using PlainNodeLock = PlainCount<UpdateSite::inside_node_lock, PlainNodeLockName, Pause, Count>;
// plain_unlocked: the same plain read-modify-write with no lock around it at all.
template <class Pause = NoPause, class Count = PaddedCells>
using PlainUnlocked = PlainCount<UpdateSite::after_node_unlock, PlainUnlockedName, Pause, Count>;

// plain_global_lock: one more spinlock, shared by all nodes, taken only for the
// count after the node lock is released. Exact, and a second serialisation point.
// `Count`: the cell of the lock and count together, as PlainCount's.
template <class Pause = NoPause, class Count = PaddedCells>
class PlainGlobalLock {
public:
    static constexpr std::string_view name = "plain_global_lock";
    static constexpr Accuracy accuracy = Accuracy::exact;
    static constexpr UpdateSite site = UpdateSite::after_node_unlock;
    using pause_policy = Pause;
    static constexpr bool one_shared_count = true;  // every update is to Shared::counter (update_clock.hpp)

    PlainGlobalLock(NodePages pages, const CounterOptions& options) {
        guarded_.value.count.store(total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }
    void on_alloc(unsigned, Slot) noexcept { add(-1); }
    void on_free(unsigned, Slot) noexcept { add(+1); }
    // One load, no lock. Relaxed: the lock-free cheap read may be stale, never
    // torn; the atomic type exists only to make this unlocked read well defined.
    long read() const noexcept {
        Pause::at(Access::load, Shared::counter, 0, guarded_.value.count);
        return guarded_.value.count.load(std::memory_order_relaxed);
    }
    // Takes the global lock: the value at one instant of the updates' order.
    long exact() const noexcept {
        PausedGuard<Pause> hold(guarded_.value.lock, Shared::global_lock, 0);
        Pause::at(Access::load, Shared::counter, 0, guarded_.value.count);
        return guarded_.value.count.load(std::memory_order_relaxed);
    }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    void add(long delta) noexcept {
        PausedGuard<Pause> hold(guarded_.value.lock, Shared::global_lock, 0);
        // Relaxed load and store compile to the plain moves of a plain long: the
        // global lock, not the atomic type, makes this read-modify-write whole.
        auto& count = guarded_.value.count;
        Pause::at(Access::load, Shared::counter, 0, count);
        const long seen = count.load(std::memory_order_relaxed);
        Pause::at(Access::store, Shared::counter, 0, count);
        count.store(seen + delta, std::memory_order_relaxed);
    }

    struct Guarded {
        Spinlock lock;
        std::atomic<long> count{0};
    };
    mutable typename Count::template Cell<Guarded> guarded_;  // mutable: exact() takes the lock
};

// The shared body of `atomic` and `atomic_in_lock`: only the update site differs.
// `Count`: the count's cell, as PlainCount's.
template <UpdateSite Site, class Name, class Pause = NoPause, class Count = PaddedCells>
class AtomicCount {
public:
    static constexpr std::string_view name = Name::value;
    static constexpr Accuracy accuracy = Accuracy::exact;
    static constexpr UpdateSite site = Site;
    using pause_policy = Pause;
    static constexpr bool one_shared_count = true;  // every update is to Shared::counter (update_clock.hpp)

    AtomicCount(NodePages pages, const CounterOptions& options) {
        count_.value.store(total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }
    // Relaxed, like the kernel's atomic_long_dec/inc: lock-prefixed RMWs never lose
    // an update whatever the order, and nothing else is published through the count.
    // The RMW is one instruction with no gap, so its one pause point sits before it.
    void on_alloc(unsigned, Slot) noexcept {
        Pause::at(Access::rmw, Shared::counter, 0, count_.value);
        count_.value.fetch_sub(1, std::memory_order_relaxed);
    }
    void on_free(unsigned, Slot) noexcept {
        Pause::at(Access::rmw, Shared::counter, 0, count_.value);
        count_.value.fetch_add(1, std::memory_order_relaxed);
    }
    // One load. Relaxed: like atomic_long_read, a possibly stale but untorn value
    // is all should_reclaim needs.
    long read() const noexcept {
        Pause::at(Access::load, Shared::counter, 0, count_.value);
        return count_.value.load(std::memory_order_relaxed);
    }
    // The same load: every update is already in the one count.
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    typename Count::template Cell<std::atomic<long>> count_;
};

struct AtomicName {
    static constexpr std::string_view value = "atomic";
};
struct AtomicInLockName {
    static constexpr std::string_view value = "atomic_in_lock";
};

// atomic: the upstream fix (ac5d272a0ad0), atomic_long_t updated after spin_unlock.
template <class Pause = NoPause, class Count = PaddedCells>
using Atomic = AtomicCount<UpdateSite::after_node_unlock, AtomicName, Pause, Count>;
// atomic_in_lock: the fix without its second half; the atomic RMW lengthens
// every critical section.
template <class Pause = NoPause, class Count = PaddedCells>
using AtomicInLock = AtomicCount<UpdateSite::inside_node_lock, AtomicInLockName, Pause, Count>;

// per_node: one count per node, each in its own cell, changed only under that
// node's lock. Exact; the cheap read pays a sum over nodes. `Cells` is the
// layout (cell_layout.hpp): padded cells by default, packed ones for the ablation.
template <class Cells = PaddedCells, class Pause = NoPause>
class PerNode {
public:
    static constexpr std::string_view name = "per_node";
    static constexpr Accuracy accuracy = Accuracy::exact;
    static constexpr UpdateSite site = UpdateSite::inside_node_lock;
    using pause_policy = Pause;

    PerNode(NodePages pages, const CounterOptions& options)
        : nodes_(static_cast<unsigned>(pages.size())), counts_(std::make_unique<Count[]>(pages.size())) {
        for (unsigned n = 0; n < nodes_; ++n) counts_[n].value.store(pages[n], std::memory_order_relaxed);
        counts_[0].value.fetch_add(options.initial_drift, std::memory_order_relaxed);  // no other thread yet
    }
    void on_alloc(unsigned node, Slot) noexcept { add(node, -1); }
    void on_free(unsigned node, Slot) noexcept { add(node, +1); }
    // One load per node, no lock. Relaxed loads without the node locks: each term
    // may be stale, so a sum taken while writers run is approximate; quiescent,
    // it is exact.
    long read() const noexcept {
        long sum = 0;
        for (unsigned n = 0; n < nodes_; ++n) {
            Pause::at(Access::load, Shared::node_count, n, counts_[n].value);
            sum += counts_[n].value.load(std::memory_order_relaxed);
        }
        return sum;
    }
    // The same sum: the node locks that would make it instantaneous belong to the pool.
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this + nodes_ * sizeof(Count); }

private:
    using Count = typename Cells::template Cell<std::atomic<long>>;

    void add(unsigned node, long delta) noexcept {
        auto& count = counts_[node].value;
        // Relaxed load and store are plain moves: the node lock held by our caller
        // makes the read-modify-write whole; the atomic type only makes read()'s
        // lock-free loads well defined.
        Pause::at(Access::load, Shared::node_count, node, count);
        const long seen = count.load(std::memory_order_relaxed);
        Pause::at(Access::store, Shared::node_count, node, count);
        count.store(seen + delta, std::memory_order_relaxed);
    }

    unsigned nodes_;
    std::unique_ptr<Count[]> counts_;
};

static_assert(CounterStrategy<PlainNodeLock<>>);
static_assert(CounterStrategy<PlainNodeLock<NoPause, PackedCells>>);
static_assert(alignof(PlainNodeLock<NoPause, PackedCells>) == alignof(long), "the kernel's count is a bare long");
static_assert(CounterStrategy<PlainUnlocked<>>);
static_assert(CounterStrategy<PlainGlobalLock<>>);
static_assert(CounterStrategy<Atomic<>>);
static_assert(CounterStrategy<AtomicInLock<>>);
static_assert(CounterStrategy<PerNode<PaddedCells>>);
static_assert(CounterStrategy<PerNode<PackedCells>>);

}  // namespace sgx
