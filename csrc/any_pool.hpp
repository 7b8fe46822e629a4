// AnyPool: one EpcPool behind an interface, for callers (Python) that pick the
// strategy at run time and make one call per page. Each entry point checks its
// arguments, then runs the monomorphic pool; the virtual call costs a few
// nanoseconds against the microsecond a call from Python already costs. The
// hot loops (the hammer) never come through here.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "epc_pool.hpp"
#include "pool_shape.hpp"
#include "strategy.hpp"

namespace sgx {

class AnyPool {
public:
    virtual ~AnyPool() = default;

    virtual Strategy strategy() const noexcept = 0;
    virtual const PoolShape& shape() const noexcept = 0;
    virtual std::optional<PageId> alloc(long long node) = 0;
    virtual void free(long long page) = 0;
    virtual long counter() const noexcept = 0;
    virtual long true_free() const noexcept = 0;
    virtual long drift() const noexcept = 0;
    virtual bool should_reclaim(long long watermark, Comparison how) const = 0;
    virtual unsigned home_node(long long page) const = 0;
    virtual bool is_free(long long page) const = 0;
    virtual std::string invariant_violation() const = 0;
};

std::unique_ptr<AnyPool> make_pool(Strategy strategy, long long nodes, long long pages_per_node, long long initial_drift);

}  // namespace sgx
