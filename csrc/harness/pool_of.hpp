// PoolOf<Counter>: AnyPool for one strategy type, what a registered strategy's
// make_pool builds (registry/).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/any_pool.hpp"
#include "harness/caller_pages.hpp"
#include "harness/churn_limits.hpp"
#include "harness/slot_claims.hpp"

namespace sgx {

template <CounterStrategy Counter>
class PoolOf final : public AnyPool {
public:
    // `strategy` is the registered name, kept by the registry for as long as the process runs.
    PoolOf(std::string_view strategy, PoolSpec spec)
        : strategy_(strategy), options_(spec.options), pool_(std::move(spec.shape), spec.options, spec.node_search, spec.stop) {}

    std::string_view strategy_name() const noexcept override { return strategy_; }
    const PoolShape& shape() const noexcept override { return pool_.shape(); }
    NodeSearch node_search() const noexcept override { return pool_.node_search(); }
    const CounterOptions& counter_options() const noexcept override { return options_; }

    std::optional<PageId> alloc(long long node, long long slot) override {
        const unsigned local = shape().checked_node(node);
        const SlotClaims::Claim claim = claims_.claim(slot);
        const CallerPages::Call call(caller_pages_);
        const PageId page = pool_.alloc(local, static_cast<Slot>(slot));
        if (page == kNoPage) return std::nullopt;
        caller_pages_.handed_out();
        return page;
    }
    void free(long long page, long long slot) override {
        const PageId checked = shape().checked_page(page);
        const SlotClaims::Claim claim = claims_.claim(slot);
        const CallerPages::Call call(caller_pages_);
        pool_.free(checked, static_cast<Slot>(slot));
        caller_pages_.taken_back();
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
    std::string invariant_violation() const override {
        if (std::string broken = pool_.invariant_violation(); !broken.empty()) return broken;
        const auto reading = caller_pages_.held_when_quiet([&] { return shape().total_pages() - pool_.true_free(); });
        if (reading && reading->first != reading->second) {
            return std::to_string(reading->second) + " pages are allocated but callers hold " +
                   std::to_string(reading->first) + " (alloc() minus free()): pages with no owner, or a free() of "
                   "a page another call held";
        }
        return {};
    }

    PoolAddresses addresses() const override { return pool_.addresses(); }

    Tally churn(long long ops, long long node, long long slot, long long batch, long long work,
                const StopFlag& stop) override {
        check_churn_limits(ops, batch, work);
        const unsigned local = shape().checked_node(node);
        check_range("slot", slot, 0, kMaxThreads - 1);  // a worker's slot; the caller slot is the GIL holders'
        const SlotClaims::Claim claim = claims_.claim(slot);
        const CallerPages::Call call(caller_pages_);
        std::vector<PageId> held(static_cast<std::size_t>(batch));
        // One caller: the stop check's budget is this thread's alone.
        const long long per_check = churn_iterations_per_stop_check(batch, work, 1);
        return churn_until_stopped(site(local, slot, work, stop, held), churn_iterations(ops, batch), per_check);
    }

    std::vector<PageId> alloc_pages(long long count, long long node, long long slot, long long work,
                                    const StopFlag& stop, long long& failures) override {
        check_churn_limits(1, count, work);  // count is a batch: the same bound
        const unsigned local = shape().checked_node(node);
        check_range("slot", slot, 0, kMaxThreads - 1);
        const SlotClaims::Claim claim = claims_.claim(slot);
        const CallerPages::Call call(caller_pages_);
        std::vector<PageId> held(static_cast<std::size_t>(count));
        Tally tally;
        held.resize(alloc_phase(site(local, slot, work, stop, held), tally));
        caller_pages_.handed_out(static_cast<long long>(held.size()));
        failures = tally.alloc_failures;
        return held;
    }

    void free_pages(const std::vector<long long>& pages, long long slot, long long work,
                    const StopFlag& stop) override {
        check_churn_limits(1, 1, work);
        check_range("slot", slot, 0, kMaxThreads - 1);
        std::vector<PageId> checked;
        checked.reserve(pages.size());
        for (const long long page : pages) checked.push_back(shape().checked_page(page));
        const SlotClaims::Claim claim = claims_.claim(slot);
        const CallerPages::Call call(caller_pages_);
        Tally tally;
        // Every page is back on a list afterwards, freed here or (the one a
        // DoubleFreeError names) found there already: the caller holds none of them.
        try {
            free_phase(site(0, slot, work, stop, {}), std::span<const PageId>(checked), tally);
        } catch (...) {
            caller_pages_.taken_back(static_cast<long long>(checked.size()));
            throw;
        }
        caller_pages_.taken_back(static_cast<long long>(checked.size()));
    }

private:
    // `slot` checked by the caller; a free needs no node and no buffer.
    ChurnSite<Counter> site(unsigned local, long long slot, long long work, const StopFlag& stop,
                            std::span<PageId> held) noexcept {
        return {pool_, local, static_cast<Slot>(slot), work, stop, held};
    }

    std::string_view strategy_;
    CounterOptions options_;
    EpcPool<Counter> pool_;
    SlotClaims claims_;
    mutable CallerPages caller_pages_;
};

}  // namespace sgx
