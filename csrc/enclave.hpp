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

#include "padded.hpp"
#include "pool_shape.hpp"
#include "spinlock.hpp"

namespace sgx {

using EnclavePageId = std::uint32_t;
inline constexpr EnclavePageId kNoEnclavePage = UINT32_MAX;

// 2^28 pages (1 TiB of enclave) need 2 GiB of page table here, as the pool's limit does.
inline constexpr long long kMaxEnclavePages = 1LL << 28;

class Enclave {
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
        Entry& entry = entries_[page];
        // Relaxed: the list lock orders this store with every eviction.
        entry.epc.store(epc, std::memory_order_relaxed);
        entry.next = kNoEnclavePage;
        if (list.tail == kNoEnclavePage) {
            list.head = page;
        } else {
            entries_[list.tail].next = page;
        }
        list.tail = page;
        list.add_to_length(+1);
    }

    // Takes up to freed.size() pages off the active list's head (the least
    // recently faulted), marks them evicted and writes the EPC pages they held
    // into `freed`, for the caller to free. Returns how many it took.
    std::size_t evict_from_head(std::span<PageId> freed) noexcept {
        ActiveList& list = active_.value;
        SpinGuard hold(list.lock);
        std::size_t taken = 0;
        while (taken < freed.size() && list.head != kNoEnclavePage) {
            Entry& entry = entries_[list.head];
            // Relaxed, both: the list lock orders them with make_resident().
            freed[taken++] = entry.epc.load(std::memory_order_relaxed);
            entry.epc.store(kNoPage, std::memory_order_relaxed);
            list.head = entry.next;
        }
        if (list.head == kNoEnclavePage) list.tail = kNoEnclavePage;
        list.add_to_length(-static_cast<long>(taken));
        return taken;
    }

    // Pages on the active list, read without its lock, as the kernel's
    // list_empty(&sgx_active_page_list) is: may be stale, never torn.
    long active_length() const noexcept { return active_.value.length.load(std::memory_order_relaxed); }

    // Conservation, enclave side: the active list holds exactly the resident
    // pages, each once, each holding a distinct EPC page below `epc_pages`, and
    // its length agrees with its links. Marks in `held` (sized epc_pages) the EPC
    // pages resident pages hold. O(enclave pages); only for a quiescent enclave.
    // Empty string when it holds.
    std::string invariant_violation(PageId epc_pages, std::vector<bool>& held) const {
        const ActiveList& list = active_.value;
        held.assign(epc_pages, false);
        std::vector<bool> listed(pages_, false);
        const auto where = [](EnclavePageId page) { return "active list: enclave page " + std::to_string(page); };
        long steps = 0;
        EnclavePageId last = kNoEnclavePage;
        for (EnclavePageId page = list.head; page != kNoEnclavePage; page = entries_[page].next) {
            if (page >= pages_) return where(page) + " out of range";
            if (listed[page]) return where(page) + " listed twice";
            const PageId epc = epc_page(page);
            if (epc == kNoPage) return where(page) + " is listed but evicted";
            if (epc >= epc_pages) return where(page) + " holds EPC page " + std::to_string(epc) + ", out of range";
            if (held[epc]) return where(page) + " holds EPC page " + std::to_string(epc) + ", held twice";
            listed[page] = true;
            held[epc] = true;
            last = page;
            ++steps;
        }
        if (last != list.tail) return "active list: tail does not end the list";
        if (steps != active_length()) {
            return "active list: length says " + std::to_string(active_length()) + ", list holds " +
                   std::to_string(steps);
        }
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
        Spinlock lock;  // guards head, tail, every link and every state change
        EnclavePageId head = kNoEnclavePage;
        EnclavePageId tail = kNoEnclavePage;
        std::atomic<long> length{0};

        // Under the lock only: relaxed load and store are plain moves, the lock
        // makes them whole; the atomic type makes active_length()'s unlocked read defined.
        void add_to_length(long delta) noexcept {
            length.store(length.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
        }
    };

    EnclavePageId pages_;
    std::unique_ptr<Entry[]> entries_;
    Padded<ActiveList> active_;
};

}  // namespace sgx
