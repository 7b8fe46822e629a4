// atomic_load_store: the classic mistake. Every access is a std::atomic load
// or store, so there is no data race and ThreadSanitizer stays silent, but the
// update is a load, then a store of what was loaded minus one: two threads that
// load the same value both store it minus one, and one update is lost. The
// hammer drifts and the explorer prints the schedule that loses the update.
//
//   python -m pysgxalloc check examples/strategies/atomic_load_store.hpp
#include <pysgxalloc/strategy.hpp>

template <class Pause>
class AtomicLoadStore {
public:
    static constexpr std::string_view name = "atomic_load_store";
    static constexpr sgx::Accuracy accuracy = sgx::Accuracy::exact;  // what its author believed
    static constexpr sgx::UpdateSite site = sgx::UpdateSite::after_node_unlock;
    static constexpr bool one_shared_count = true;
    using pause_policy = Pause;

    AtomicLoadStore(sgx::NodePages pages, const sgx::CounterOptions& options) {
        count_.value.store(sgx::total_pages(pages) + options.initial_drift, std::memory_order_relaxed);
    }
    void on_alloc(unsigned, sgx::Slot) noexcept { add(-1); }
    void on_free(unsigned, sgx::Slot) noexcept { add(+1); }
    long read() const noexcept {
        Pause::at(sgx::Access::load, sgx::Shared::counter, 0, count_.value);
        return count_.value.load(std::memory_order_relaxed);
    }
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    // The mistake: two atomic accesses are not one atomic update. A pause point
    // before each lets the explorer run another thread between them.
    void add(long delta) noexcept {
        Pause::at(sgx::Access::load, sgx::Shared::counter, 0, count_.value);
        const long seen = count_.value.load(std::memory_order_relaxed);
        Pause::at(sgx::Access::store, sgx::Shared::counter, 0, count_.value);
        count_.value.store(seen + delta, std::memory_order_relaxed);
    }

    sgx::Padded<std::atomic<long>> count_;
};

PYSGXALLOC_STRATEGY(sgx::SharedCount<AtomicLoadStore>);
