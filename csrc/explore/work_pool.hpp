// The subtrees a shared search has given away and not yet started
// (parallel_sweep.hpp), and who is waiting for one. A searching OS thread asks
// wanted() after each run, a relaxed load; only when some thread waits does it
// give part of its tree (Search::share) and put() it here. take() waits for a
// subtree and returns none once every thread waits: then no tree is left
// anywhere, since only a searching thread can give one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "explore/search.hpp"

namespace sgx::explore {

class WorkPool {
public:
    // `searchers`: the OS threads that take and give; the whole tree is the first subtree.
    explicit WorkPool(std::size_t searchers) : searchers_(searchers) { subtrees_.emplace_back(); }

    // The next subtree to search, waiting while others search; none once the
    // search is over (every thread waits, or close()).
    std::optional<Search::Subtree> take() {
        std::unique_lock lock(mutex_);
        ++waiting_;
        update_wanted();
        while (subtrees_.empty() && !closed_) {
            if (waiting_ == searchers_) {
                closed_ = true;  // nothing left to search, and no one left to give any
                changed_.notify_all();
                break;
            }
            changed_.wait(lock);
        }
        --waiting_;
        std::optional<Search::Subtree> taken;
        if (!subtrees_.empty() && !closed_) {
            taken = std::move(subtrees_.front());
            subtrees_.pop_front();
        }
        update_wanted();
        return taken;
    }

    // Whether a thread waits for a subtree that none has been put for yet.
    bool wanted() const noexcept {
        // Relaxed: a hint read after every run; put() and take() synchronise through the mutex.
        return wanted_.load(std::memory_order_relaxed);
    }

    void put(Search::Subtree subtree) {
        std::lock_guard lock(mutex_);
        subtrees_.push_back(std::move(subtree));
        update_wanted();
        changed_.notify_one();
    }

    // Ends the search early (a limit, an error): take() returns none from now on.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        update_wanted();
        changed_.notify_all();
    }

private:
    void update_wanted() noexcept {
        // Relaxed: see wanted().
        wanted_.store(!closed_ && waiting_ > subtrees_.size(), std::memory_order_relaxed);
    }

    const std::size_t searchers_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Search::Subtree> subtrees_;
    std::size_t waiting_ = 0;
    bool closed_ = false;
    std::atomic<bool> wanted_{false};
};

}  // namespace sgx::explore
