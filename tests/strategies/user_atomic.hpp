// A copy of the built-in `atomic` (counters/kernel_counters.hpp), as a user
// would write it: tests/test_user_strategy.py checks that it explores the same
// schedules and hang table as the built-in, and bench/user_strategy_overhead.py
// that it hammers as fast.
#include <pysgxalloc/strategy.hpp>

template <class Pause>
class UserAtomic {
public:
    static constexpr std::string_view name = "user_atomic";
    static constexpr sgx::Accuracy accuracy = sgx::Accuracy::exact;
    static constexpr sgx::UpdateSite site = sgx::UpdateSite::after_node_unlock;
    static constexpr bool one_shared_count = true;
    using pause_policy = Pause;

    UserAtomic(sgx::NodePages pages, const sgx::CounterOptions& options) {
        count_.value.store(sgx::total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }
    // Relaxed, as the built-in: a lock-prefixed RMW never loses an update, and nothing
    // else is published through the count.
    void on_alloc(unsigned, sgx::Slot) noexcept {
        Pause::at(sgx::Access::rmw, sgx::Shared::counter, 0, count_.value);
        count_.value.fetch_sub(1, std::memory_order_relaxed);
    }
    void on_free(unsigned, sgx::Slot) noexcept {
        Pause::at(sgx::Access::rmw, sgx::Shared::counter, 0, count_.value);
        count_.value.fetch_add(1, std::memory_order_relaxed);
    }
    // Relaxed: a stale but untorn value is all should_reclaim needs.
    long read() const noexcept {
        Pause::at(sgx::Access::load, sgx::Shared::counter, 0, count_.value);
        return count_.value.load(std::memory_order_relaxed);
    }
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    sgx::Padded<std::atomic<long>> count_;
};

PYSGXALLOC_STRATEGY(sgx::SharedCount<UserAtomic>);
