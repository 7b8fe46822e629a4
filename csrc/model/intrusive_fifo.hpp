// IntrusiveFifo<Id, kNone>: a FIFO list threaded through a table its owner keeps,
// the kernel's list_head with indices instead of pointers. The free lists
// (struct sgx_numa_node's free_page_list) and the active list
// (sgx_active_page_list) are both one of these.
//
// The owner stores each entry's link and passes an accessor `next(id) -> Id&`;
// the list holds only head, tail and length, so push and pop are O(1) and
// allocate nothing. Every change happens under the owner's lock; length() may be
// read without it, as the kernel reads list_empty() without its lock.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace sgx {

// A list's length, kept by its owner under the owner's lock and read without it.
class ListLength {
public:
    // May be stale without the owner's lock, never torn.
    long get() const noexcept { return length_.load(std::memory_order_relaxed); }

    // Under the owner's lock only: a relaxed load and store are the plain moves
    // of a plain long, the lock makes them whole; the atomic type only makes
    // get()'s unlocked read well defined.
    void add(long delta) noexcept { length_.store(get() + delta, std::memory_order_relaxed); }

private:
    std::atomic<long> length_{0};
};

// The conservation walk both lists share: from `head` along `next(id)`, every id
// below `limit`, none twice, `entry_violation(id)` empty for each, the last one
// `tail` and the count `length`. Marks each id in `listed` (sized `limit`).
// `entry_violation(id, previous)` also gets the id before it (kNone for the head).
template <class Id, Id kNone, class Next, class EntryViolation>
std::string list_violation(const std::string& where, Id head, Id tail, long length, Id limit, Next&& next,
                           std::vector<bool>& listed, EntryViolation&& entry_violation) {
    long steps = 0;
    Id last = kNone;
    for (Id id = head; id != kNone; id = next(id)) {
        if (id >= limit) return where + "entry " + std::to_string(id) + " out of range";
        if (listed[id]) return where + "entry " + std::to_string(id) + " listed twice";
        if (std::string broken = entry_violation(id, last); !broken.empty()) return where + broken;
        listed[id] = true;
        last = id;
        ++steps;
    }
    if (last != tail) return where + "tail does not end the list";
    if (steps != length) {
        return where + "length says " + std::to_string(length) + ", list holds " + std::to_string(steps);
    }
    return {};
}

template <class Id, Id kNone>
class IntrusiveFifo {
public:
    Id head() const noexcept { return head_; }

    // Entries on the list. Without the owner's lock: may be stale, never torn.
    long length() const noexcept { return length_.get(); }

    // models list_add_tail().
    template <class Next>
    void push_tail(Id id, Next&& next) noexcept {
        next(id) = kNone;
        if (tail_ == kNone) {
            head_ = id;
        } else {
            next(tail_) = id;
        }
        tail_ = id;
        length_.add(+1);
    }

    // models list_first_entry() + list_del(): kNone when the list is empty.
    template <class Next>
    Id pop_head(Next&& next) noexcept {
        const Id id = head_;
        if (id == kNone) return kNone;
        head_ = next(id);
        if (head_ == kNone) tail_ = kNone;
        length_.add(-1);
        return id;
    }

    // Walks the list for a conservation check, with the owner's lock held (or
    // the owner quiescent): every id below `limit`, none twice, the tail ending
    // the list and the length agreeing with the links. Marks each id in
    // `listed` (sized `limit`) and asks `entry_violation(id)` about each one.
    // Empty string when everything holds; otherwise what broke, prefixed `where`.
    template <class Next, class EntryViolation>
    std::string violation(const std::string& where, Id limit, Next&& next, std::vector<bool>& listed,
                          EntryViolation&& entry_violation) const {
        return list_violation<Id, kNone>(where, head_, tail_, length(), limit, next, listed,
                                         [&](Id id, Id) { return entry_violation(id); });
    }

private:
    Id head_ = kNone;
    Id tail_ = kNone;
    ListLength length_;
};

}  // namespace sgx
