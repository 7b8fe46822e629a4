// AnyPool: one EpcPool behind an interface, for callers (Python) that pick the
// strategy at run time. Each entry point checks its arguments, then runs the
// monomorphic pool; the virtual call costs a few nanoseconds against the
// microsecond a call from Python already costs. The native hammer's loop never
// comes through here; churn() enters once per chunk and then runs the same
// monomorphic loop the hammer runs.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "base/slot.hpp"
#include "counters/counter_options.hpp"
#include "counters/strategy.hpp"
#include "harness/churn.hpp"
#include "model/epc_pool.hpp"
#include "model/pool_shape.hpp"

namespace sgx {

class AnyPool {
public:
    virtual ~AnyPool() = default;

    virtual Strategy strategy() const noexcept = 0;
    virtual const PoolShape& shape() const noexcept = 0;
    virtual const CounterOptions& counter_options() const noexcept = 0;
    // `slot` (slot.hpp): whose per-thread counter state the update goes to.
    // Claimed for the call, like churn()'s: a slot another thread is churning
    // on right now throws std::invalid_argument.
    virtual std::optional<PageId> alloc(long long node, long long slot) = 0;
    virtual void free(long long page, long long slot) = 0;
    virtual long counter() const noexcept = 0;
    virtual long exact_count() const noexcept = 0;
    virtual long read_error_bound() const noexcept = 0;
    virtual long compare_margin(WatermarkRead read) const noexcept = 0;
    virtual std::size_t counter_state_bytes() const noexcept = 0;
    virtual long true_free() const noexcept = 0;
    virtual long drift() const noexcept = 0;
    virtual long exact_drift() const noexcept = 0;
    virtual bool count_below(long long watermark, Comparison how, WatermarkRead read) const = 0;
    virtual unsigned home_node(long long page) const = 0;
    virtual bool is_free(long long page) const = 0;
    virtual std::string invariant_violation() const = 0;

    // One worker's chunk of traffic: churn() for about `ops` operations (whole
    // alloc-then-free iterations of `batch` pages) from local node `node`, as
    // worker slot `slot`. Thread-safe: callers on other threads run at the same
    // time, each with its own slot (a slot in use throws std::invalid_argument).
    // Not interruptible: keep chunks to milliseconds.
    virtual Tally churn(long long ops, long long node, long long slot, long long batch, long long work) = 0;
};

std::unique_ptr<AnyPool> make_pool(Strategy strategy, long long nodes, long long pages_per_node,
                                   long long initial_drift = 0, std::optional<long long> counter_batch = std::nullopt,
                                   bool packed = false, PlainUpdate plain_update = PlainUpdate::in_place,
                                   long long remote_fetch_ns = 0);

}  // namespace sgx
