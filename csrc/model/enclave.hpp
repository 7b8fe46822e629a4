// Enclave: the virtual pages of one enclave, each resident (holding an EPC page)
// or evicted, and the global active list, the LRU the reclaimer scans.
//
// Models struct sgx_encl_page's epc_page and sgx_active_page_list under
// sgx_reclaimer_lock (arch/x86/kernel/cpu/sgx/main.c): make_resident() is the
// end of a served fault plus sgx_mark_page_reclaimable(); evict_from_head() is
// the isolation step of sgx_reclaim_pages(), with the enclave page marked
// evicted at once (the kernel does that after EWB, under encl->lock).
//
// Who may change a page, which is what makes the one unlocked read safe: an
// evicted page belongs to its fault worker alone (only that worker touches it,
// so only it faults it back in); a resident page sits on the active list, and
// only the reclaimer takes it off. Both transitions happen under the list's
// lock, so a page's state and its place on the list never disagree. The owning
// worker reads its page's state without the lock, because touching a resident
// page must cost nothing, as in hardware; that read races with eviction by
// design, so the state is atomic.
//
// Cost: 8 bytes per enclave page; a touch is one load; a served fault and a
// batch of evictions each take the spinlock once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/padded.hpp"
#include "base/spinlock.hpp"
#include "model/intrusive_fifo.hpp"
#include "model/pool_shape.hpp"

namespace sgx {

using EnclavePageId = std::uint32_t;
inline constexpr EnclavePageId kNoEnclavePage = UINT32_MAX;

// 2^28 pages (1 TiB of enclave) need 2 GiB of page table here, as the pool's limit does.
inline constexpr long long kMaxEnclavePages = 1LL << 28;

class Enclave {
    // Defined first: the members below deduce their return types from them.
    // The link accessor the active list threads through the entries.
    auto next_of() noexcept {
        return [this](EnclavePageId page) -> EnclavePageId& { return entries_[page].next; };
    }
    auto next_of() const noexcept {
        return [this](EnclavePageId page) -> EnclavePageId { return entries_[page].next; };
    }

public:
    explicit Enclave(EnclavePageId pages) : pages_(pages), entries_(std::make_unique<Entry[]>(pages)) {}

    Enclave(const Enclave&) = delete;
    Enclave& operator=(const Enclave&) = delete;

    EnclavePageId pages() const noexcept { return pages_; }

    // The EPC page `page` holds, or kNoPage while it is evicted. For the page's
    // own fault worker (or any thread once the others have joined).
    PageId epc_page(EnclavePageId page) const noexcept {
        // Relaxed: the answer only picks hit or fault, and either is a valid
        // order. A stale "resident" is a touch just before the eviction; a
        // stale "evicted" cannot happen, because only this thread makes its page
        // resident and it sees its own stores. The EPC page itself reaches the
        // next owner through the node lock, never through this value.
        return entries_[page].epc.load(std::memory_order_relaxed);
    }

    // A fault was served: `page` now holds `epc` and joins the active list's tail.
    void make_resident(EnclavePageId page, PageId epc) noexcept {
        ActiveList& list = active_.value;
        SpinGuard hold(list.lock);
        // Relaxed: the list lock orders this store with every eviction.
        entries_[page].epc.store(epc, std::memory_order_relaxed);
        list.pages.push_tail(page, next_of());
    }

    // Takes up to freed.size() pages off the active list's head (the least
    // recently faulted), marks them evicted and writes the EPC pages they held
    // into `freed`, for the caller to free. Returns how many it took.
    std::size_t evict_from_head(std::span<PageId> freed) noexcept {
        ActiveList& list = active_.value;
        SpinGuard hold(list.lock);
        std::size_t taken = 0;
        while (taken < freed.size()) {
            const EnclavePageId page = list.pages.pop_head(next_of());
            if (page == kNoEnclavePage) break;
            Entry& entry = entries_[page];
            // Relaxed, both: the list lock orders them with make_resident().
            freed[taken++] = entry.epc.load(std::memory_order_relaxed);
            entry.epc.store(kNoPage, std::memory_order_relaxed);
        }
        return taken;
    }

    // Pages on the active list, read without its lock, as the kernel's
    // list_empty(&sgx_active_page_list) is: may be stale, never torn.
    long active_length() const noexcept { return active_.value.pages.length(); }

    // Conservation, enclave side: the active list holds exactly the resident
    // pages, each once, each holding a distinct EPC page below `epc_pages`, and
    // its length agrees with its links. Marks in `held` (sized epc_pages) the EPC
    // pages resident pages hold. O(enclave pages); only for a quiescent enclave.
    // Empty string when it holds.
    std::string invariant_violation(PageId epc_pages, std::vector<bool>& held) const {
        held.assign(epc_pages, false);
        std::vector<bool> listed(pages_, false);
        const auto entry_violation = [&](EnclavePageId page) -> std::string {
            const std::string where = "enclave page " + std::to_string(page);
            const PageId epc = epc_page(page);
            if (epc == kNoPage) return where + " is listed but evicted";
            if (epc >= epc_pages) return where + " holds EPC page " + std::to_string(epc) + ", out of range";
            if (held[epc]) return where + " holds EPC page " + std::to_string(epc) + ", held twice";
            held[epc] = true;
            return {};
        };
        const std::string broken = active_.value.pages.violation("active list: ", pages_, next_of(), listed,
                                                                 entry_violation);
        if (!broken.empty()) return broken;
        for (EnclavePageId page = 0; page < pages_; ++page) {
            if (epc_page(page) != kNoPage && !listed[page]) {
                return "enclave page " + std::to_string(page) + " is resident but not on the active list";
            }
        }
        return {};
    }

private:
    struct Entry {
        std::atomic<PageId> epc{kNoPage};
        EnclavePageId next = kNoEnclavePage;  // active-list link; under the list lock only
    };
    static_assert(sizeof(Entry) == 8);

    // sgx_active_page_list with sgx_reclaimer_lock, on cache lines of its own so
    // that taking the lock does not evict the page table's address from the
    // workers' caches.
    struct ActiveList {
        Spinlock lock;  // guards the list, every link and every state change
        IntrusiveFifo<EnclavePageId, kNoEnclavePage> pages;
    };

    EnclavePageId pages_;
    std::unique_ptr<Entry[]> entries_;
    Padded<ActiveList> active_;
};

}  // namespace sgx
