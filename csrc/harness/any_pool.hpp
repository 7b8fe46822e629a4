// AnyPool: one EpcPool behind an interface, for callers (Python) that pick the
// strategy at run time. Each entry point checks its arguments, then runs the
// monomorphic pool; the virtual call costs a few nanoseconds against the
// microsecond a call from Python already costs. The native hammer's loop never
// comes through here; churn() enters once per chunk and then runs the same
// monomorphic loop the hammer runs. PoolOf<Counter> (pool_of.hpp) implements it
// for one strategy type; a registered strategy builds one (registry/).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/slot.hpp"
#include "base/stop_flag.hpp"
#include "counters/counter_options.hpp"
#include "harness/churn.hpp"
#include "model/epc_pool.hpp"
#include "model/node_search.hpp"
#include "model/pool_shape.hpp"

namespace sgx {

class AnyPool {
public:
    virtual ~AnyPool() = default;

    // The name the pool's strategy was registered under.
    virtual std::string_view strategy_name() const noexcept = 0;
    virtual const PoolShape& shape() const noexcept = 0;
    virtual NodeSearch node_search() const noexcept = 0;
    virtual const CounterOptions& counter_options() const noexcept = 0;
    // `slot` (slot.hpp): whose per-thread counter state the update goes to.
    // Claimed for the call, like churn()'s: a slot another thread is churning
    // on right now throws std::invalid_argument.
    // Throws SoftLockupError from a CPU-only node under the v5.13 search when every list is empty.
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
    // Where the pool's layout put its hot objects (a debug accessor, pool_layout.hpp).
    virtual PoolAddresses addresses() const = 0;

    // One worker's chunk of traffic: churn() for about `ops` operations (whole
    // alloc-then-free iterations of `batch` pages) from local node `node`, as
    // worker slot `slot`. Thread-safe: callers on other threads run at the same
    // time, each with its own slot (a slot in use throws std::invalid_argument).
    // Ends early, every page it took given back, soon after `stop` is raised
    // (churn.hpp); a free that fails still gives back the rest before it throws.
    virtual Tally churn(long long ops, long long node, long long slot, long long batch, long long work,
                        const StopFlag& stop) = 0;

    // The phased engine's two halves, as the native hammer runs them
    // (alloc_phase / free_phase in churn.hpp), with the same checks and slot
    // claim as churn(): allocate `count` pages (fewer if the pool runs dry or
    // `stop` is raised, each failure counted in `failures`), and free `pages`.
    // free_pages() checks every id before it frees any, and frees every page
    // even when one free throws.
    virtual std::vector<PageId> alloc_pages(long long count, long long node, long long slot, long long work,
                                            const StopFlag& stop, long long& failures) = 0;
    virtual void free_pages(const std::vector<long long>& pages, long long slot, long long work,
                            const StopFlag& stop) = 0;
};

// What a pool is built from, checked: its shape, its counter's options, its node search.
struct PoolSpec {
    PoolShape shape;
    CounterOptions options;
    NodeSearch node_search = NodeSearch::fixed_2024;
    // Polled while the pool is built (EpcPool's constructor); null: the build cannot be stopped.
    const StopFlag* stop = nullptr;

    // From a caller's raw values; throws std::invalid_argument naming the first bad one.
    // `node_pages`, when it lists any node, gives each node its own count (0: CPU-only)
    // and must have `nodes` entries; `pages_per_node` is then unused.
    static PoolSpec checked(long long nodes, long long pages_per_node, long long initial_drift = 0,
                            std::optional<long long> counter_batch = std::nullopt, bool packed = false,
                            const std::vector<long long>& node_pages = {},
                            NodeSearch node_search = NodeSearch::fixed_2024,
                            PlainUpdate plain_update = PlainUpdate::in_place, long long remote_fetch_ns = 0,
                            MemoryLayout layout = MemoryLayout::padded) {
        PoolShape shape = PoolShape::checked(nodes, pages_per_node, node_pages);
        CounterOptions options = CounterOptions::checked(initial_drift, counter_batch, packed);
        options.with_plain_update(plain_update, remote_fetch_ns).with_memory_layout(layout);
        return {std::move(shape), options, node_search, nullptr};
    }
};

}  // namespace sgx
