// EpcPool<Counter>: the SGX EPC page allocator of arch/x86/kernel/cpu/sgx/main.c
// (v5.13 onward), with the free-page counter as a policy.
//
// Each node (struct sgx_numa_node) has a FIFO free list under its own pthread
// spinlock: alloc takes the head, free appends to the page's *home* node's tail.
// Lists are intrusive (intrusive_fifo.hpp): a page-table entry holds the index
// of the next free page, so pop and push are O(1) and allocate nothing. An entry is only written under
// its home node's lock, and a page only ever sits on its home node's list, so
// that one lock guards everything a list operation touches.
//
// A node may have no pages at all (CPUs but no EPC, outside sgx_numa_mask): the
// search then runs the kernel's v5.13 loop or its 2024 fix (node_search.hpp), on a
// cold path that a caller on a node with EPC never enters.
//
// The strategy is a template parameter: alloc() and free() compile to one
// monomorphic path per strategy, with the counter update placed inside or after
// the node lock as Counter::site says. Cost: one lock round trip per node tried,
// plus the strategy's update.
//
// Where the nodes, the counter and main.c's other statics (sgx_reclaimer_lock,
// sgx_active_page_list, which the enclaves use) sit is the options' MemoryLayout,
// placed at run time in one arena (pool_layout.hpp); the code is the same for both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/padded.hpp"
#include "base/slot.hpp"
#include "base/spinlock.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/pause.hpp"
#include "model/active_list.hpp"
#include "model/intrusive_fifo.hpp"
#include "model/node_search.hpp"
#include "model/pool_layout.hpp"
#include "model/pool_shape.hpp"
#include "model/shared_objects.hpp"
#include "model/watermark.hpp"

namespace sgx {

// Aligned to a block of its own, as the padded counter member of old made it:
// its own fields (read on every call) then share no line with whatever an
// owner (the reclaim scenario's model, on a stack) puts beside it.
template <CounterStrategy Counter>
class alignas(kFalseSharingRange) EpcPool {
    // The strategy's pause policy also sees the node locks (pause.hpp).
    using Pause = typename Counter::pause_policy;

public:
    // `options.initial_drift` starts the count that far from the truth, as if
    // updates had already been lost: the drift's consequences, shown
    // deterministically. `options` must be valid (built by CounterOptions::checked).
    // `search` matters only to callers on a node without EPC (node_search.hpp).
    //
    // The count is built as the kernel builds it at boot: it starts at zero
    // (plus the injected drift) and every page joins its home list through the
    // strategy's own free update, as __sgx_sanitize_pages() hands each EREMOVE'd
    // page to sgx_free_epc_page(). Those frees run on one thread (ksgxd's, here
    // kCallerSlot's), so they are exact whatever the strategy. percpu_batch, not
    // the kernel's, starts at the total instead: its boot frees would leave the
    // boot slot's unfolded delta in every pool's cheap read, a slot no user owns.
    //
    // The frees are many (2^25 at the seed's size) and, with a remote fetch, each
    // waits for it (up to a millisecond): `stop`, when given, is polled before each
    // page, and a raised one throws Stopped, so Ctrl-C ends even the longest build.
    explicit EpcPool(PoolShape shape, const CounterOptions& options = {}, NodeSearch search = NodeSearch::fixed_2024,
                     const StopFlag* stop = nullptr)
        : shape_(std::move(shape)),
          search_(search),
          layout_(options.memory_layout),
          placement_(PoolPlacement::of<FreeList, Spinlock, ActivePageList, Counter>(layout_, shape_.nodes())),
          arena_(placement_.bytes),
          pages_(shape_.total_pages()) {
        // models sgx_init()'s statics and sgx_numa_nodes = kmalloc_array(...): each where the layout puts it.
        nodes_ = arena_.at(placement_.nodes);
        for (unsigned node = 0; node < shape_.nodes(); ++node) {
            arena_.make<FreeList>(placement_.nodes + node * placement_.node_stride);
        }
        numa_nodes_ = arena_.make<std::byte*>(placement_.numa_nodes, nodes_);
        arena_.make<std::uint64_t>(placement_.numa_mask, shape_.nodes() >= 64 ? ~0ULL : (1ULL << shape_.nodes()) - 1);
        reclaimer_lock_ = arena_.make<Spinlock>(placement_.reclaimer_lock);
        active_list_ = arena_.make<ActivePageList>(placement_.active_list);
        counter_ = arena_.make<Counter>(placement_.counter, starting_pages(shape_), options);
        // models sgx_setup_epc_section() and the sanitising frees: every page joins its home list.
        for (unsigned home = 0; home < shape_.nodes(); ++home) {
            const PageId first = shape_.first_page_of(home);
            for (PageId page = first; page < first + shape_.pages_of(home); ++page) {
                if (stop != nullptr && stop->requested()) [[unlikely]] throw_stopped("the pool's construction");
                pages_[page].home = static_cast<std::uint16_t>(home);
                put_back(list_of(home), page);
                if constexpr (kBootByFrees) counter_->on_free(home, kCallerSlot);
            }
        }
    }

    EpcPool(const EpcPool&) = delete;
    EpcPool& operator=(const EpcPool&) = delete;

    const PoolShape& shape() const noexcept { return shape_; }
    NodeSearch node_search() const noexcept { return search_; }
    MemoryLayout memory_layout() const noexcept { return layout_; }

    // main.c's other statics, placed with the counter: the enclaves' active list and its lock.
    Spinlock& reclaimer_lock() const noexcept { return *reclaimer_lock_; }
    ActivePageList& active_list() const noexcept { return *active_list_; }

    // Where the layout put each object (a debug accessor: tests read the lines they share).
    PoolAddresses addresses() const {
        PoolAddresses at;
        for (unsigned node = 0; node < shape_.nodes(); ++node) {
            at.node_locks.push_back(reinterpret_cast<std::uintptr_t>(&list_of(node).lock));
        }
        at.counter = reinterpret_cast<std::uintptr_t>(counter_);
        at.reclaimer_lock = reinterpret_cast<std::uintptr_t>(reclaimer_lock_);
        at.active_list = reinterpret_cast<std::uintptr_t>(active_list_);
        at.numa_nodes = reinterpret_cast<std::uintptr_t>(numa_nodes_);
        return at;
    }

    // `slot` is the calling thread's (slot.hpp).
    // models __sgx_alloc_epc_page(): the local node first when it has EPC, then
    // the nodes of sgx_numa_mask from next_node_in(local), rising and wrapping,
    // until the search is back at `local`. kNoPage when every list is empty (the
    // kernel's ERR_PTR(-ENOMEM)). `local` must be a valid node. A caller on a
    // node without EPC takes the cold path apart, where the two searches differ;
    // it throws SoftLockupError when the v5.13 search would never have returned.
    PageId alloc(unsigned local, Slot slot) {
        // The kernel's own test, node_isset(nid_of_current, sgx_numa_mask).
        if (!shape_.has_epc(local)) [[unlikely]] return alloc_on_cpu_only_node(local, slot);
        if (const PageId page = take_from(local, slot); page != kNoPage) [[likely]] return page;
        // Both searches agree here: `local` is in the mask, so the walk comes back to it.
        for (unsigned node = shape_.next_node_in(local); node != local; node = shape_.next_node_in(node)) {
            if (const PageId page = take_from(node, slot); page != kNoPage) return page;
        }
        return kNoPage;
    }

    // models sgx_free_epc_page(): back to the tail of the page's home list.
    // `page` must be a valid id; freeing a free page throws DoubleFreeError and
    // leaves the pool untouched.
    void free(PageId page, Slot slot) {
        const unsigned home = pages_[page].home;  // immutable after construction
        FreeList& list = list_of(home);  // section->node: the pool's own copy of the array's address
        {
            PausedGuard<Pause> hold(list.lock, ModelShared::node_lock, home);
            if (pages_[page].free) [[unlikely]] throw_double_free(page);
            put_back(list, page);
            if constexpr (Counter::site == UpdateSite::inside_node_lock) counter_->on_free(home, slot);
        }
        if constexpr (Counter::site == UpdateSite::after_node_unlock) counter_->on_free(home, slot);
    }

    // The cheap read: what the reclaimer's watermark check sees.
    long counter() const noexcept { return counter_->read(); }

    // The strategy's exact read (percpu_counter_sum() for percpu_batch); the same
    // as counter() for every strategy whose cheap read is already its best.
    long exact_count() const noexcept { return counter_->exact(); }

    // The most |counter() - exact_count()| can be when no thread is updating.
    long read_error_bound() const noexcept { return counter_->read_error_bound(); }

    // Bytes of counter state, heap included (the free lists not counted).
    std::size_t counter_state_bytes() const noexcept { return counter_->state_bytes(); }

    // The truth: the sum of the list lengths, each read under its node's lock.
    long true_free() const noexcept {
        long sum = 0;
        for (unsigned node = 0; node < shape_.nodes(); ++node) {
            FreeList& list = list_of(node);
            SpinGuard hold(list.lock);
            sum += list.pages.length();
        }
        return sum;
    }

    // counter() - true_free(): meaningful when no thread is changing the pool.
    long drift() const noexcept { return counter() - true_free(); }

    // exact_count() - true_free(): what is left of the drift once the strategy
    // sums everything it has; non-zero only where updates were lost.
    long exact_drift() const noexcept { return exact_count() - true_free(); }

    // The first half of sgx_should_reclaim() (Reclaimer models it), the count test alone:
    // sgx_nr_free_pages < watermark. (The kernel's test also needs a non-empty
    // active list, which belongs to the enclaves: Reclaimer::should_reclaim().)
    // With a WatermarkRead other than cheap, a cheap read within the read's
    // margin of the watermark is replaced by the exact read, as
    // __percpu_counter_compare() does: the lock is paid only near the watermark.
    bool count_below(long watermark, Comparison how, WatermarkRead read = WatermarkRead::cheap) const noexcept {
        long count = counter();
        if (read != WatermarkRead::cheap) [[unlikely]] {
            // In unsigned arithmetic: a drifted count and a huge watermark can lie
            // further apart than a long holds, and the difference must not overflow.
            const unsigned long gap = count > watermark
                                          ? static_cast<unsigned long>(count) - static_cast<unsigned long>(watermark)
                                          : static_cast<unsigned long>(watermark) - static_cast<unsigned long>(count);
            if (gap <= static_cast<unsigned long>(compare_margin(read))) count = exact_count();
        }
        if (how == Comparison::kernel_unsigned) {
            return static_cast<unsigned long>(count) < static_cast<unsigned long>(watermark);
        }
        return count < watermark;
    }

    // How near the watermark a cheap read must be for `read` to take the exact
    // one. __percpu_counter_compare()'s own margin (batch x CPUs online, here
    // slots in use) where the strategy has one, else the read's error bound.
    long compare_margin(WatermarkRead read) const noexcept {
        if constexpr (requires { counter_->compare_margin(); }) {
            if (read == WatermarkRead::exact_near_watermark) return counter_->compare_margin();
        }
        return read_error_bound();
    }

    // Runs check(free pages) with every node lock held (in rising id, as
    // invariant_violation() takes them): no page joins or leaves a free list
    // until check returns. For the reclaim scenario's hang proof.
    template <class Check>
    bool with_lists_locked(Check&& check) const {
        std::vector<std::unique_lock<Spinlock>> held;
        held.reserve(shape_.nodes());
        long free = 0;
        for (unsigned node = 0; node < shape_.nodes(); ++node) {
            held.emplace_back(list_of(node).lock);
            free += list_of(node).pages.length();
        }
        return check(free);
    }

    unsigned home_node(PageId page) const noexcept { return pages_[page].home; }

    bool is_free(PageId page) const noexcept {
        FreeList& list = list_of(pages_[page].home);
        SpinGuard hold(list.lock);
        return pages_[page].free;
    }

    // Conservation: every page is on its home list exactly once and marked free,
    // or on no list and marked allocated; every list's head, tail and length
    // agree with its links. Takes every node lock (in rising id, so two checks
    // cannot deadlock) and walks every list: O(pages). Empty string when it holds.
    std::string invariant_violation() const {
        std::vector<std::unique_lock<Spinlock>> held;
        held.reserve(shape_.nodes());
        for (unsigned node = 0; node < shape_.nodes(); ++node) held.emplace_back(list_of(node).lock);

        const PageId total = shape_.total_pages();
        std::vector<bool> listed(total, false);
        for (unsigned node = 0; node < shape_.nodes(); ++node) {
            const auto entry_violation = [&](PageId page) -> std::string {
                if (pages_[page].home != node) return "holds page " + std::to_string(page) + " of another node";
                if (!pages_[page].free) return "lists page " + std::to_string(page) + " marked allocated";
                return {};
            };
            const std::string broken = list_of(node).pages.violation("node " + std::to_string(node) + ": ",
                                                                           total, next_of(), listed, entry_violation);
            if (!broken.empty()) return broken;
        }
        for (PageId page = 0; page < total; ++page) {
            if (pages_[page].free && !listed[page]) return "page " + std::to_string(page) + " marked free, on no list";
        }
        return {};
    }

private:
    static constexpr bool kBootByFrees = Counter::accuracy != Accuracy::bounded;

    // What the counter is built from: every node empty when the boot frees will
    // count the pages in, else every node's pages. Read only by its constructor.
    static std::vector<std::uint32_t> starting_pages(const PoolShape& shape) {
        const NodePages pages = shape.node_pages();
        if constexpr (kBootByFrees) return std::vector<std::uint32_t>(pages.size(), 0);
        return {pages.begin(), pages.end()};
    }

    struct FreeList {
        Spinlock lock;
        // Its length is not in the kernel: the model's ground truth for true_free().
        IntrusiveFifo<PageId, kNoPage> pages;
    };

    struct PageEntry {
        PageId next = kNoPage;   // intrusive link, valid while free
        std::uint16_t home = 0;  // nodes <= kMaxNodes fits
        bool free = false;
    };
    static_assert(sizeof(PageEntry) == kPageTableEntryBytes);

    // The caller's node has no EPC: the search starts from the mask's next node.
    // Cold and apart, so a caller on an EPC node never runs the lap counting.
    [[gnu::cold, gnu::noinline]] PageId alloc_on_cpu_only_node(unsigned local, Slot slot) {
        const unsigned first = shape_.next_node_in(local);  // the first node either search tries
        // fixed_2024: one lap from `first` back to `first`.
        // v5_13_until_caller: laps until next_node_in() returns `local`, which it
        // never does; each lap that finds nothing is counted, and past the bound
        // the caller is told what the kernel would have done: spin on.
        const long laps = search_ == NodeSearch::fixed_2024 ? 1 : kSoftLockupLaps;
        for (long lap = 0; lap < laps; ++lap) {
            unsigned node = first;
            do {
                if (const PageId page = take_from(node, slot); page != kNoPage) return page;
                node = shape_.next_node_in(node);
            } while (node != first);
        }
        if (search_ == NodeSearch::fixed_2024) return kNoPage;
        throw_soft_lockup(local);
    }

    [[noreturn, gnu::cold, gnu::noinline]] void throw_soft_lockup(unsigned local) const {
        throw SoftLockupError("soft lockup: a caller on node " + std::to_string(local) +
                                  ", which has no EPC, found every free list of sgx_numa_mask {" + shape_.mask_text() +
                                  "} empty for " + std::to_string(kSoftLockupLaps) +
                                  " laps; the v5.13 node search never returns to a node outside the mask. Fixed in "
                                  "2024 by \"x86/sgx: Fix deadlock in SGX NUMA node search\" (NodeSearch.fixed_2024)",
                              local);
    }

    // models __sgx_alloc_epc_page_from_node(): &sgx_numa_nodes[nid], read through
    // the array's pointer where the layout put it, then pop the head under the node lock.
    PageId take_from(unsigned node, Slot slot) noexcept {
        FreeList& list = list_at(*numa_nodes_, node);
        PageId page;
        {
            PausedGuard<Pause> hold(list.lock, ModelShared::node_lock, node);
            page = list.pages.pop_head(next_of());
            if (page == kNoPage) return kNoPage;
            pages_[page].free = false;
            if constexpr (Counter::site == UpdateSite::inside_node_lock) counter_->on_alloc(node, slot);
        }
        if constexpr (Counter::site == UpdateSite::after_node_unlock) counter_->on_alloc(node, slot);
        return page;
    }

    // The link accessor the lists thread through the page table.
    auto next_of() noexcept {
        return [this](PageId page) -> PageId& { return pages_[page].next; };
    }
    auto next_of() const noexcept {
        return [this](PageId page) -> PageId { return pages_[page].next; };
    }

    // A page joins `list`'s tail, marked free; the caller holds the list's lock
    // (or owns the pool alone).
    void put_back(FreeList& list, PageId page) noexcept {
        pages_[page].free = true;
        list.pages.push_tail(page, next_of());
    }

    // Node `node` of the array at `nodes`.
    FreeList& list_at(std::byte* nodes, unsigned node) const noexcept {
        return *std::launder(reinterpret_cast<FreeList*>(nodes + node * placement_.node_stride));
    }
    FreeList& list_of(unsigned node) const noexcept { return list_at(nodes_, node); }

    PoolShape shape_;
    NodeSearch search_;
    MemoryLayout layout_;
    PoolPlacement placement_;
    Arena arena_;  // every object below that points into it; built in the constructor, never moved
    std::byte* nodes_ = nullptr;          // node 0 (mutable through const: locks)
    std::byte** numa_nodes_ = nullptr;    // sgx_numa_nodes: holds nodes_
    Spinlock* reclaimer_lock_ = nullptr;  // sgx_reclaimer_lock
    ActivePageList* active_list_ = nullptr;  // sgx_active_page_list
    std::vector<PageEntry> pages_;
    Counter* counter_ = nullptr;  // sgx_nr_free_pages
};

}  // namespace sgx
