// IntrusiveList<Id, kNone>: a doubly linked list threaded through a table its
// owner keeps, the kernel's list_head with indices instead of pointers. The
// active list (sgx_active_page_list) is one: besides a FIFO's push and pop it
// needs list_del() of an entry in the middle, which sgx_unmark_page_reclaimable()
// does when an enclave page is removed.
//
// The owner stores each entry's Link and passes an accessor `link(id) -> Link&`;
// the list holds only head, tail and length, so every operation is O(1) and
// allocates nothing. An entry off the list has prev == kUnlisted (the kernel's
// list_del_init() leaves an empty list_head, which list_empty() tests). Every
// change happens under the owner's lock; length() may be read without it, as
// the kernel reads list_empty() without its lock.
#pragma once

#include <string>
#include <vector>

#include "model/intrusive_fifo.hpp"

namespace sgx {

template <class Id, Id kNone>
class IntrusiveList {
public:
    static constexpr Id kUnlisted = kNone - 1;

    struct Link {
        Id next = kNone;
        Id prev = kUnlisted;
    };

    // Entries on the list. Without the owner's lock: may be stale, never torn.
    long length() const noexcept { return length_.get(); }

    template <class LinkOf>
    static bool listed(Id id, LinkOf&& link) noexcept {
        return link(id).prev != kUnlisted;
    }

    // models list_add_tail().
    template <class LinkOf>
    void push_tail(Id id, LinkOf&& link) noexcept {
        link(id) = Link{kNone, tail_};
        if (tail_ == kNone) {
            head_ = id;
        } else {
            link(tail_).next = id;
        }
        tail_ = id;
        length_.add(+1);
    }

    // models list_first_entry() + list_del_init(): kNone when the list is empty.
    template <class LinkOf>
    Id pop_head(LinkOf&& link) noexcept {
        const Id id = head_;
        if (id != kNone) unlink(id, link);
        return id;
    }

    // models list_del_init(): `id` must be on this list.
    template <class LinkOf>
    void unlink(Id id, LinkOf&& link) noexcept {
        const Link mine = link(id);
        if (mine.prev == kNone) {
            head_ = mine.next;
        } else {
            link(mine.prev).next = mine.next;
        }
        if (mine.next == kNone) {
            tail_ = mine.prev;
        } else {
            link(mine.next).prev = mine.prev;
        }
        link(id) = Link{};
        length_.add(-1);
    }

    // Walks the list for a conservation check, with the owner's lock held (or
    // the owner quiescent): as IntrusiveFifo's, and each back link pointing at
    // its predecessor. Empty string when everything holds.
    template <class LinkOf, class EntryViolation>
    std::string violation(const std::string& where, Id limit, LinkOf&& link, std::vector<bool>& listed,
                          EntryViolation&& entry_violation) const {
        const auto next = [&](Id id) { return link(id).next; };
        return list_violation<Id, kNone>(where, head_, tail_, length(), limit, next, listed,
                                         [&](Id id, Id previous) -> std::string {
                                             if (link(id).prev != previous) {
                                                 return "entry " + std::to_string(id) + " has a wrong back link";
                                             }
                                             return entry_violation(id);
                                         });
    }

private:
    Id head_ = kNone;
    Id tail_ = kNone;
    ListLength length_;
};

}  // namespace sgx
