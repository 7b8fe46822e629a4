// The per-strategy implementations of AnyPool, and the factory that picks one.
#include "bindings/any_pool.hpp"

#include <vector>

#include "bindings/slot_claims.hpp"
#include "harness/churn_limits.hpp"

namespace sgx {
namespace {

template <CounterStrategy Counter>
class PoolOf final : public AnyPool {
public:
    PoolOf(Strategy strategy, PoolShape shape, const CounterOptions& options)
        : strategy_(strategy), options_(options), pool_(shape, options) {}

    Strategy strategy() const noexcept override { return strategy_; }
    const PoolShape& shape() const noexcept override { return pool_.shape(); }
    const CounterOptions& counter_options() const noexcept override { return options_; }

    std::optional<PageId> alloc(long long node, long long slot) override {
        const unsigned local = shape().checked_node(node);
        const SlotClaims::Claim claim = claims_.claim(slot);
        const PageId page = pool_.alloc(local, static_cast<Slot>(slot));
        if (page == kNoPage) return std::nullopt;
        return page;
    }
    void free(long long page, long long slot) override {
        const PageId checked = shape().checked_page(page);
        const SlotClaims::Claim claim = claims_.claim(slot);
        pool_.free(checked, static_cast<Slot>(slot));
    }
    long counter() const noexcept override { return pool_.counter(); }
    long exact_count() const noexcept override { return pool_.exact_count(); }
    long read_error_bound() const noexcept override { return pool_.read_error_bound(); }
    long compare_margin(WatermarkRead read) const noexcept override { return pool_.compare_margin(read); }
    std::size_t counter_state_bytes() const noexcept override { return pool_.counter_state_bytes(); }
    long true_free() const noexcept override { return pool_.true_free(); }
    long drift() const noexcept override { return pool_.drift(); }
    long exact_drift() const noexcept override { return pool_.exact_drift(); }
    bool count_below(long long watermark, Comparison how, WatermarkRead read) const override {
        if (watermark < 0) throw_bad_argument("watermark must be >= 0, got " + std::to_string(watermark));
        return pool_.count_below(static_cast<long>(watermark), how, read);
    }
    unsigned home_node(long long page) const override { return pool_.home_node(shape().checked_page(page)); }
    bool is_free(long long page) const override { return pool_.is_free(shape().checked_page(page)); }
    std::string invariant_violation() const override { return pool_.invariant_violation(); }

    Tally churn(long long ops, long long node, long long slot, long long batch, long long work) override {
        check_churn_limits(ops, batch, work);
        const unsigned local = shape().checked_node(node);
        check_range("slot", slot, 0, kMaxThreads - 1);  // a worker's slot; the caller slot is the GIL holders'
        const SlotClaims::Claim claim = claims_.claim(slot);
        std::vector<PageId> held(static_cast<std::size_t>(batch));
        return sgx::churn(pool_, local, static_cast<Slot>(slot), churn_iterations(ops, batch), held, work);
    }

private:
    Strategy strategy_;
    CounterOptions options_;
    EpcPool<Counter> pool_;
    SlotClaims claims_;
};

}  // namespace

std::unique_ptr<AnyPool> make_pool(Strategy strategy, long long nodes, long long pages_per_node,
                                   long long initial_drift, std::optional<long long> counter_batch, bool packed,
                                   PlainUpdate plain_update, long long remote_fetch_ns) {
    const PoolShape shape = PoolShape::checked(nodes, pages_per_node);
    CounterOptions options = CounterOptions::checked(initial_drift, counter_batch, packed);
    options.with_plain_update(plain_update, remote_fetch_ns);
    return with_counter(strategy, options.layout, [&]<class Counter>() -> std::unique_ptr<AnyPool> {
        return std::make_unique<PoolOf<Counter>>(strategy, shape, options);
    });
}

}  // namespace sgx
