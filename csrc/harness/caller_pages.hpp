// CallerPages: how many pages a pool's Python callers hold, so that the
// invariant check also finds pages that nobody holds (orphaned: allocated, on no
// list, and owned by no caller).
//
// Pages leave the lists through four doors: alloc() hands one to the caller,
// alloc_pages() a batch (until free_pages() takes it back), churn() holds a batch
// for the length of the call, and (directly in C++, never through here) a run's
// own pool. So when no call is in flight, the pages off
// the lists must be exactly those alloc() handed out and free() did not take
// back. Cost: three atomic read-modify-writes per call from Python (against the
// microsecond such a call costs), never per churned operation.
#pragma once

#include <atomic>
#include <optional>
#include <utility>

namespace sgx {

class CallerPages {
public:
    // Held for one call that may move pages; the count of calls in flight.
    class Call {
    public:
        explicit Call(CallerPages& pages) noexcept : pages_(pages) {
            // Relaxed: the node lock the call takes next orders this before its
            // list change, for any checker that later takes the same lock.
            pages_.started_.fetch_add(1, std::memory_order_relaxed);
            pages_.in_flight_.fetch_add(1, std::memory_order_relaxed);
        }
        Call(const Call&) = delete;
        Call& operator=(const Call&) = delete;
        // Release: the call's change to `held_` happens before a checker's
        // acquire load that sees it out of flight.
        ~Call() { pages_.in_flight_.fetch_sub(1, std::memory_order_release); }

    private:
        CallerPages& pages_;
    };

    // Relaxed: read only by held_when_quiet(), ordered there by in_flight_.
    void handed_out(long long pages = 1) noexcept { held_.fetch_add(pages, std::memory_order_relaxed); }
    void taken_back(long long pages = 1) noexcept { held_.fetch_sub(pages, std::memory_order_relaxed); }

    // The pages callers hold, and `off_lists` (read by the caller between the two
    // loads of started_) when no call overlapped the reading; nullopt otherwise.
    template <class CountOffLists>
    std::optional<std::pair<long long, long long>> held_when_quiet(CountOffLists count_off_lists) const {
        // Acquire: pairs with ~Call's release, so a finished call's held_ change is seen.
        const long long before = started_.load(std::memory_order_acquire);
        if (in_flight_.load(std::memory_order_acquire) != 0) return std::nullopt;
        const long long held = held_.load(std::memory_order_relaxed);
        const long long off_lists = count_off_lists();
        // A call that started after `before` and moved a page we counted took its
        // node lock after incrementing started_, and we took that lock after it:
        // this load sees the increment and the reading is discarded.
        if (started_.load(std::memory_order_acquire) != before) return std::nullopt;
        return std::pair{held, off_lists};
    }

private:
    std::atomic<long long> started_{0};
    std::atomic<long long> in_flight_{0};
    std::atomic<long long> held_{0};
};

}  // namespace sgx
