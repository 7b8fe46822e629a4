// The per-strategy implementations of AnyPool, and the factory that picks one.
#include "any_pool.hpp"

#include <vector>

#include "churn_limits.hpp"
#include "slot_claims.hpp"

namespace sgx {
namespace {

template <CounterStrategy Counter>
class PoolOf final : public AnyPool {
public:
    PoolOf(Strategy strategy, PoolShape shape, long initial_drift) : strategy_(strategy), pool_(shape, initial_drift) {}

    Strategy strategy() const noexcept override { return strategy_; }
    const PoolShape& shape() const noexcept override { return pool_.shape(); }

    std::optional<PageId> alloc(long long node) override {
        const PageId page = pool_.alloc(shape().checked_node(node), kCallerSlot);
        if (page == kNoPage) return std::nullopt;
        return page;
    }
    void free(long long page) override { pool_.free(shape().checked_page(page), kCallerSlot); }
    long counter() const noexcept override { return pool_.counter(); }
    long true_free() const noexcept override { return pool_.true_free(); }
    long drift() const noexcept override { return pool_.drift(); }
    bool should_reclaim(long long watermark, Comparison how) const override {
        if (watermark < 0) throw_bad_argument("watermark must be >= 0, got " + std::to_string(watermark));
        return pool_.should_reclaim(static_cast<long>(watermark), how);
    }
    unsigned home_node(long long page) const override { return pool_.home_node(shape().checked_page(page)); }
    bool is_free(long long page) const override { return pool_.is_free(shape().checked_page(page)); }
    std::string invariant_violation() const override { return pool_.invariant_violation(); }

    Tally churn(long long ops, long long node, long long slot, long long batch, long long work) override {
        check_churn_limits(ops, batch, work);
        const unsigned local = shape().checked_node(node);
        const SlotClaims::Claim claim = claims_.claim(slot);
        std::vector<PageId> held(static_cast<std::size_t>(batch));
        return sgx::churn(pool_, local, static_cast<Slot>(slot), churn_iterations(ops, batch), held, work);
    }

private:
    Strategy strategy_;
    EpcPool<Counter> pool_;
    SlotClaims claims_;
};

}  // namespace

std::unique_ptr<AnyPool> make_pool(Strategy strategy, long long nodes, long long pages_per_node, long long initial_drift) {
    const PoolShape shape = PoolShape::checked(nodes, pages_per_node);
    check_drift(initial_drift);
    return with_counter(strategy, [&]<class Counter>() -> std::unique_ptr<AnyPool> {
        return std::make_unique<PoolOf<Counter>>(strategy, shape, static_cast<long>(initial_drift));
    });
}

}  // namespace sgx
