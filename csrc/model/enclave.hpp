// Enclaves: the enclaves of a run, each a contiguous range of enclave pages
// with its own lock, and the global active list, the LRU the reclaimer scans.
//
// Models struct sgx_encl (its lock and its pages, struct sgx_encl_page) and
// sgx_active_page_list under sgx_reclaimer_lock (arch/x86/kernel/cpu/sgx/main.c,
// encl.c, v5.15). An enclave page is evicted (no EPC page), resident (holds an
// EPC page and, once the fault that loaded it ends, sits on the active list),
// being reclaimed (SGX_ENCL_PAGE_BEING_RECLAIMED: the reclaimer is writing it
// back; a fault on it gets -EBUSY) or removed (EREMOVE'd, gone for good).
// A resident page also has an accessed bit: the hardware sets it on a touch,
// sgx_reclaimer_age() tests and clears it (sgx_encl_test_and_clear_young()).
//
// Who may change what: a page's state changes under its enclave's lock (held by
// the fault, the removal, and the reclaimer's mark and write-back), its place on
// the active list under the list's spinlock; the accessed bit is set by touches
// without any lock, as the MMU sets it, so the state word is atomic. A touch is
// one relaxed load, plus one relaxed fetch_or the first time after an aging scan.
//
// Pause points (counters/pause.hpp): each list operation is one `rmw` on
// ModelShared::active_list (the list's lock guards nothing else, so the whole
// operation is one indivisible step), the unlocked length test a `load`, and the
// enclave locks pause at their acquire and release (enclave_lock.hpp). The page
// states have none: each changes under its enclave's lock, and the MMU's touch
// of a page only another thread's write-back can change is no decision here.
//
// Cost: 12 bytes per enclave page; a served fault and each list change take the
// list's spinlock once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/padded.hpp"
#include "base/spinlock.hpp"
#include "counters/pause.hpp"
#include "model/active_list.hpp"
#include "model/enclave_lock.hpp"
#include "model/intrusive_list.hpp"
#include "model/pool_shape.hpp"
#include "model/shared_objects.hpp"

namespace sgx {

// 2^28 pages (1 TiB of enclave) need 3 GiB of page table here.
inline constexpr long long kMaxEnclavePages = 1LL << 28;

// What a fault, a removal or the reclaimer finds an enclave page in (under its enclave's lock).
enum class EnclavePageState { evicted, resident, being_reclaimed, removed };

template <class Pause = NoPause>
class Enclaves {
    using ActiveList = ActivePageList;

    // The state word: the EPC page held (kEvictedEpc: none) and three flags.
    static constexpr std::uint32_t kEpcMask = (1U << 29) - 1;
    static constexpr std::uint32_t kEvictedEpc = kEpcMask;
    static constexpr std::uint32_t kYoung = 1U << 29;
    static constexpr std::uint32_t kBeingReclaimed = 1U << 30;
    static constexpr std::uint32_t kRemoved = 1U << 31;
    static_assert(kMaxTotalPages <= kEvictedEpc, "every EPC page id must fit below the 'evicted' mark");

    // Defined first: the members below deduce their return types from it.
    auto link_of() noexcept {
        return [this](EnclavePageId page) -> ActiveList::Link& { return entries_[page].link; };
    }
    auto link_of() const noexcept {
        return [this](EnclavePageId page) -> const ActiveList::Link& { return entries_[page].link; };
    }

public:
    using Lock = EnclaveLock<Pause>;

    // `count` enclaves share `pages` enclave pages: enclave e owns
    // [pages x e / count, pages x (e + 1) / count), as the scenario's workers share them.
    // The active list and its lock are main.c statics, which the pool places
    // (EpcPool::active_list(), reclaimer_lock()); both must outlive the enclaves.
    // Each enclave's lock is on a block of its own in every layout: each struct
    // sgx_encl is an allocation of its own (kzalloc) of several hundred bytes.
    Enclaves(EnclavePageId pages, unsigned count, Spinlock& active_lock, ActiveList& active_list)
        : pages_(pages),
          count_(count),
          entries_(std::make_unique<Entry[]>(pages)),
          locks_(std::make_unique<Padded<Lock>[]>(count)),
          active_lock_(active_lock),
          active_(active_list) {
        for (unsigned enclave = 0; enclave < count; ++enclave) locks_[enclave].value.number(enclave);
    }

    Enclaves(const Enclaves&) = delete;
    Enclaves& operator=(const Enclaves&) = delete;

    EnclavePageId pages() const noexcept { return pages_; }
    unsigned count() const noexcept { return count_; }

    EnclavePageId first_page(unsigned enclave) const noexcept {
        return static_cast<EnclavePageId>(static_cast<unsigned long long>(pages_) * enclave / count_);
    }

    unsigned enclave_of(EnclavePageId page) const noexcept {
        auto enclave = static_cast<unsigned>(static_cast<unsigned long long>(page) * count_ / pages_);
        while (enclave + 1 < count_ && first_page(enclave + 1) <= page) ++enclave;
        return enclave;
    }

    // encl->lock of the enclave that owns `page`.
    Lock& lock_of(EnclavePageId page) const noexcept { return locks_[enclave_of(page)].value; }

    // The MMU's part of a touch: a present page is accessed and marked young.
    // False when the touch faults (evicted, being written back, or removed).
    bool touch(EnclavePageId page) noexcept {
        std::atomic<std::uint32_t>& state = entries_[page].state;
        // Relaxed: the answer only picks hit or fault, and either is a valid order; a
        // page reaches its next owner through the node lock, never through this word.
        const std::uint32_t seen = state.load(std::memory_order_relaxed);
        if ((seen & (kBeingReclaimed | kRemoved)) != 0 || (seen & kEpcMask) == kEvictedEpc) return false;
        // Relaxed: the accessed bit is a hint the reclaimer tests later, as the PTE's is.
        if ((seen & kYoung) == 0) state.fetch_or(kYoung, std::memory_order_relaxed);
        return true;
    }

    // Under the page's enclave lock (or with every thread joined).
    EnclavePageState state(EnclavePageId page) const noexcept {
        // Relaxed: the enclave lock orders every state change with this read.
        const std::uint32_t seen = entries_[page].state.load(std::memory_order_relaxed);
        if ((seen & kRemoved) != 0) return EnclavePageState::removed;
        if ((seen & kBeingReclaimed) != 0) return EnclavePageState::being_reclaimed;
        if ((seen & kEpcMask) == kEvictedEpc) return EnclavePageState::evicted;
        return EnclavePageState::resident;
    }

    // The EPC page `page` holds, or kNoPage. Under its enclave lock.
    PageId epc_page(EnclavePageId page) const noexcept {
        // Relaxed: as state().
        const std::uint32_t epc = entries_[page].state.load(std::memory_order_relaxed) & kEpcMask;
        return epc == kEvictedEpc ? kNoPage : epc;
    }

    // A fault was served (sgx_encl_eldu() + sgx_mark_page_reclaimable()): `page`
    // holds `epc`, on the active list's tail. `young`: the touch that faulted is
    // retried and completes, so the MMU sets the accessed bit that sgx_vma_fault()
    // has just cleared; false leaves the page as sgx_vma_fault() does, old.
    // Under the page's enclave lock.
    void make_resident(EnclavePageId page, PageId epc, bool young = true) noexcept {
        Pause::at(Access::rmw, ModelShared::active_list, 0, active_);
        SpinGuard hold(active_lock_);
        // Relaxed: the enclave lock orders it with the reclaimer's mark and write-back.
        entries_[page].state.store(young ? epc | kYoung : epc, std::memory_order_relaxed);
        active_.push_tail(page, link_of());
    }

    // sgx_reclaim_pages()'s isolation: up to chunk.size() pages off the active
    // list's head, into `chunk`. They stay resident until written back.
    std::size_t isolate_from_head(std::span<EnclavePageId> chunk) noexcept {
        Pause::at(Access::rmw, ModelShared::active_list, 0, active_);
        SpinGuard hold(active_lock_);
        std::size_t taken = 0;
        while (taken < chunk.size()) {
            const EnclavePageId page = active_.pop_head(link_of());
            if (page == kNoEnclavePage) break;
            chunk[taken++] = page;
        }
        return taken;
    }

    // sgx_encl_test_and_clear_young(): was the page touched since the last scan?
    bool test_and_clear_young(EnclavePageId page) noexcept {
        // Relaxed: the accessed bit orders nothing; a touch racing with the clear
        // lands before it (seen) or after it (young for the next scan).
        return (entries_[page].state.fetch_and(~kYoung, std::memory_order_relaxed) & kYoung) != 0;
    }

    // A page the reclaimer skipped goes back to the active list's tail.
    void put_back(EnclavePageId page) noexcept {
        Pause::at(Access::rmw, ModelShared::active_list, 0, active_);
        SpinGuard hold(active_lock_);
        active_.push_tail(page, link_of());
    }

    // SGX_ENCL_PAGE_BEING_RECLAIMED set. Under the page's enclave lock.
    void mark_being_reclaimed(EnclavePageId page) noexcept {
        // Relaxed: the enclave lock orders it with faults and removals.
        entries_[page].state.fetch_or(kBeingReclaimed, std::memory_order_relaxed);
    }

    // sgx_reclaimer_write(): the page is evicted; returns the EPC page it held,
    // for the caller to free. Under the page's enclave lock.
    PageId write_back(EnclavePageId page) noexcept {
        std::atomic<std::uint32_t>& state = entries_[page].state;
        // Relaxed, both: the enclave lock orders them with every other state change.
        const PageId epc = state.load(std::memory_order_relaxed) & kEpcMask;
        state.store(kEvictedEpc, std::memory_order_relaxed);
        return epc;
    }

    // sgx_unmark_page_reclaimable(): off the active list; false (the kernel's
    // -EBUSY) when the reclaimer has isolated it. Under the page's enclave lock.
    bool unmark_reclaimable(EnclavePageId page) noexcept {
        Pause::at(Access::rmw, ModelShared::active_list, 0, active_);
        SpinGuard hold(active_lock_);
        if (!ActiveList::listed(page, link_of())) return false;
        active_.unlink(page, link_of());
        return true;
    }

    // EREMOVE: the page is gone for good; returns the EPC page it held, for the
    // caller to free. Under the page's enclave lock, after unmark_reclaimable().
    PageId remove(EnclavePageId page) noexcept {
        std::atomic<std::uint32_t>& state = entries_[page].state;
        // Relaxed, both: the enclave lock orders them with every other state change.
        const PageId epc = state.load(std::memory_order_relaxed) & kEpcMask;
        state.store(kEvictedEpc | kRemoved, std::memory_order_relaxed);
        return epc;
    }

    // Pages on the active list, read without its lock, as the kernel's
    // list_empty(&sgx_active_page_list) is: may be stale, never torn.
    long active_length() const noexcept {
        Pause::at(Access::load, ModelShared::active_list, 0, active_);
        return active_.length();
    }

    // Runs check(active_length) with the active list's lock held: the length is
    // then exact, and no page joins or leaves the list until check returns.
    template <class Check>
    bool with_active_list_locked(Check&& check) const {
        SpinGuard hold(active_lock_);
        return check(active_.length());
    }

    // Conservation, enclave side: the active list holds exactly the resident
    // pages, each once, each holding a distinct EPC page below `epc_pages`;
    // evicted and removed pages hold none. Marks in `held` (sized epc_pages) the
    // EPC pages resident pages hold. O(enclave pages); only with every thread
    // joined. Empty string when it holds.
    std::string invariant_violation(PageId epc_pages, std::vector<bool>& held) const {
        held.assign(epc_pages, false);
        std::vector<bool> listed(pages_, false);
        const auto entry_violation = [&](EnclavePageId page) -> std::string {
            const std::string where = "enclave page " + std::to_string(page);
            if (state(page) != EnclavePageState::resident) return where + " is listed but not resident";
            const PageId epc = epc_page(page);
            if (epc >= epc_pages) return where + " holds EPC page " + std::to_string(epc) + ", out of range";
            if (held[epc]) return where + " holds EPC page " + std::to_string(epc) + ", held twice";
            held[epc] = true;
            return {};
        };
        const std::string broken = active_.violation("active list: ", pages_, link_of(), listed,
                                                                  entry_violation);
        if (!broken.empty()) return broken;
        for (EnclavePageId page = 0; page < pages_; ++page) {
            const EnclavePageState now = state(page);
            if (now == EnclavePageState::being_reclaimed) {
                return "enclave page " + std::to_string(page) + " is still being reclaimed";
            }
            if (now == EnclavePageState::resident && !listed[page]) {
                return "enclave page " + std::to_string(page) + " is resident but not on the active list";
            }
            if (now != EnclavePageState::resident && epc_page(page) != kNoPage) {
                return "enclave page " + std::to_string(page) + " is not resident but holds an EPC page";
            }
        }
        return {};
    }

private:
    struct Entry {
        std::atomic<std::uint32_t> state{kEvictedEpc};
        ActiveList::Link link;  // under the active list's lock only
    };
    static_assert(sizeof(Entry) == 12);

    EnclavePageId pages_;
    unsigned count_;
    std::unique_ptr<Entry[]> entries_;
    std::unique_ptr<Padded<Lock>[]> locks_;  // mutable through const: locks
    // sgx_reclaimer_lock (guards the list and every link) and sgx_active_page_list, where the pool's layout put them.
    Spinlock& active_lock_;
    ActiveList& active_;
};

}  // namespace sgx
