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
// The strategy is a template parameter: alloc() and free() compile to one
// monomorphic path per strategy, with the counter update placed inside or after
// the node lock as Counter::site says. Cost: one lock round trip per node tried,
// plus the strategy's update.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/errors.hpp"
#include "base/padded.hpp"
#include "base/slot.hpp"
#include "base/spinlock.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "model/intrusive_fifo.hpp"
#include "model/pool_shape.hpp"
#include "model/watermark.hpp"

namespace sgx {

template <CounterStrategy Counter>
class EpcPool {
public:
    // `options.initial_drift` starts the count that far from the truth, as if
    // updates had already been lost: the drift's consequences, shown
    // deterministically. `options` must be valid (built by CounterOptions::checked).
    //
    // The count is built as the kernel builds it at boot: it starts at zero
    // (plus the injected drift) and every page joins its home list through the
    // strategy's own free update, as __sgx_sanitize_pages() hands each EREMOVE'd
    // page to sgx_free_epc_page(). Those frees run on one thread (ksgxd's, here
    // kCallerSlot's), so they are exact whatever the strategy. percpu_batch, not
    // the kernel's, starts at the total instead: its boot frees would leave the
    // boot slot's unfolded delta in every pool's cheap read, a slot no user owns.
    explicit EpcPool(PoolShape shape, const CounterOptions& options = {})
        : shape_(shape),
          lists_(std::make_unique<Padded<FreeList>[]>(shape.nodes)),
          pages_(shape.total_pages()),
          counter_(shape.nodes, kBootByFrees ? 0 : static_cast<long>(shape.pages_per_node), options) {
        // models sgx_setup_epc_section() and the sanitising frees: every page joins its home list.
        for (PageId page = 0; page < shape.total_pages(); ++page) {
            const unsigned home = page / shape.pages_per_node;
            pages_[page].home = static_cast<std::uint16_t>(home);
            put_back(lists_[home].value, page);
            if constexpr (kBootByFrees) counter_.on_free(home, kCallerSlot);
        }
    }

    EpcPool(const EpcPool&) = delete;
    EpcPool& operator=(const EpcPool&) = delete;

    const PoolShape& shape() const noexcept { return shape_; }

    // `slot` is the calling thread's (slot.hpp).
    // models __sgx_alloc_epc_page(): the local node first, then every other node
    // once, in rising id, wrapping round. kNoPage when every list is empty
    // (the kernel's ERR_PTR(-ENOMEM)). `local` must be a valid node.
    PageId alloc(unsigned local, Slot slot) noexcept {
        unsigned node = local;
        for (unsigned tried = 0; tried < shape_.nodes; ++tried) {
            if (const PageId page = take_from(node, slot); page != kNoPage) [[likely]] {
                return page;
            }
            if (++node == shape_.nodes) node = 0;
        }
        return kNoPage;
    }

    // models sgx_free_epc_page(): back to the tail of the page's home list.
    // `page` must be a valid id; freeing a free page throws DoubleFreeError and
    // leaves the pool untouched.
    void free(PageId page, Slot slot) {
        const unsigned home = pages_[page].home;  // immutable after construction
        FreeList& list = lists_[home].value;
        {
            SpinGuard hold(list.lock);
            if (pages_[page].free) [[unlikely]] throw_double_free(page);
            put_back(list, page);
            if constexpr (Counter::site == UpdateSite::inside_node_lock) counter_.on_free(home, slot);
        }
        if constexpr (Counter::site == UpdateSite::after_node_unlock) counter_.on_free(home, slot);
    }

    // The cheap read: what the reclaimer's watermark check sees.
    long counter() const noexcept { return counter_.read(); }

    // The strategy's exact read (percpu_counter_sum() for percpu_batch); the same
    // as counter() for every strategy whose cheap read is already its best.
    long exact_count() const noexcept { return counter_.exact(); }

    // The most |counter() - exact_count()| can be when no thread is updating.
    long read_error_bound() const noexcept { return counter_.read_error_bound(); }

    // Bytes of counter state, heap included (the free lists not counted).
    std::size_t counter_state_bytes() const noexcept { return counter_.state_bytes(); }

    // The truth: the sum of the list lengths, each read under its node's lock.
    long true_free() const noexcept {
        long sum = 0;
        for (unsigned node = 0; node < shape_.nodes; ++node) {
            FreeList& list = lists_[node].value;
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

    // models sgx_should_reclaim()'s first half, the count test alone:
    // sgx_nr_free_pages < watermark. (The kernel's test also needs a non-empty
    // active list, which belongs to the enclaves: Reclaimer::should_reclaim().)
    // With a WatermarkRead other than cheap, a cheap read within the read's
    // margin of the watermark is replaced by the exact read, as
    // __percpu_counter_compare() does: the lock is paid only near the watermark.
    bool count_below(long watermark, Comparison how, WatermarkRead read = WatermarkRead::cheap) const noexcept {
        long count = counter();
        if (read != WatermarkRead::cheap) [[unlikely]] {
            const long gap = count > watermark ? count - watermark : watermark - count;
            if (gap <= compare_margin(read)) count = exact_count();
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
        if constexpr (requires { counter_.compare_margin(); }) {
            if (read == WatermarkRead::exact_near_watermark) return counter_.compare_margin();
        }
        return read_error_bound();
    }

    // Runs check(free pages) with every node lock held (in rising id, as
    // invariant_violation() takes them): no page joins or leaves a free list
    // until check returns. For the reclaim scenario's hang proof.
    template <class Check>
    bool with_lists_locked(Check&& check) const {
        std::vector<std::unique_lock<Spinlock>> held;
        held.reserve(shape_.nodes);
        long free = 0;
        for (unsigned node = 0; node < shape_.nodes; ++node) {
            held.emplace_back(lists_[node].value.lock);
            free += lists_[node].value.pages.length();
        }
        return check(free);
    }

    unsigned home_node(PageId page) const noexcept { return pages_[page].home; }

    bool is_free(PageId page) const noexcept {
        FreeList& list = lists_[pages_[page].home].value;
        SpinGuard hold(list.lock);
        return pages_[page].free;
    }

    // Conservation: every page is on its home list exactly once and marked free,
    // or on no list and marked allocated; every list's head, tail and length
    // agree with its links. Takes every node lock (in rising id, so two checks
    // cannot deadlock) and walks every list: O(pages). Empty string when it holds.
    std::string invariant_violation() const {
        std::vector<std::unique_lock<Spinlock>> held;
        held.reserve(shape_.nodes);
        for (unsigned node = 0; node < shape_.nodes; ++node) held.emplace_back(lists_[node].value.lock);

        const PageId total = shape_.total_pages();
        std::vector<bool> listed(total, false);
        for (unsigned node = 0; node < shape_.nodes; ++node) {
            const auto entry_violation = [&](PageId page) -> std::string {
                if (pages_[page].home != node) return "holds page " + std::to_string(page) + " of another node";
                if (!pages_[page].free) return "lists page " + std::to_string(page) + " marked allocated";
                return {};
            };
            const std::string broken = lists_[node].value.pages.violation("node " + std::to_string(node) + ": ",
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

    // models __sgx_alloc_epc_page_from_node(): pop the head under the node lock.
    PageId take_from(unsigned node, Slot slot) noexcept {
        FreeList& list = lists_[node].value;
        PageId page;
        {
            SpinGuard hold(list.lock);
            page = list.pages.pop_head(next_of());
            if (page == kNoPage) return kNoPage;
            pages_[page].free = false;
            if constexpr (Counter::site == UpdateSite::inside_node_lock) counter_.on_alloc(node, slot);
        }
        if constexpr (Counter::site == UpdateSite::after_node_unlock) counter_.on_alloc(node, slot);
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

    PoolShape shape_;
    std::unique_ptr<Padded<FreeList>[]> lists_;  // mutable through const: locks
    std::vector<PageEntry> pages_;
    Counter counter_;
};

}  // namespace sgx
