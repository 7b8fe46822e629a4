// A plain long changed with -= and += by every thread, no lock: a data race
// ThreadSanitizer must report (tests/test_user_strategy.py, build --sanitize thread).
#include <pysgxalloc/strategy.hpp>

template <class Pause>
class PlainRace {
public:
    static constexpr std::string_view name = "plain_race";
    static constexpr sgx::Accuracy accuracy = sgx::Accuracy::drifts;
    static constexpr sgx::UpdateSite site = sgx::UpdateSite::after_node_unlock;
    static constexpr bool one_shared_count = true;
    using pause_policy = Pause;

    PlainRace(sgx::NodePages pages, const sgx::CounterOptions& options) {
        count_.value = sgx::total_pages(pages) + options.initial_drift;
    }
    void on_alloc(unsigned, sgx::Slot) noexcept {
        Pause::at(sgx::Access::rmw, sgx::Shared::counter, 0, count_.value);
        count_.value -= 1;  // the deliberate race: a plain read-modify-write
    }
    void on_free(unsigned, sgx::Slot) noexcept {
        Pause::at(sgx::Access::rmw, sgx::Shared::counter, 0, count_.value);
        count_.value += 1;
    }
    long read() const noexcept {
        Pause::at(sgx::Access::load, sgx::Shared::counter, 0, count_.value);
        return count_.value;
    }
    long exact() const noexcept { return read(); }
    long read_error_bound() const noexcept { return 0; }
    std::size_t state_bytes() const noexcept { return sizeof *this; }

private:
    sgx::Padded<long> count_;
};

PYSGXALLOC_STRATEGY(sgx::SharedCount<PlainRace>);
