// NodePages: every node's page count, what a counter strategy is built from.
// A node with 0 pages has CPUs but no EPC (it is not in sgx_numa_mask); the
// counter still gets a (zero) entry for it, so per-node strategies index it
// like any other node. The pool owns the array; a counter reads it only in its
// constructor.
#pragma once

#include <cstdint>
#include <numeric>
#include <span>

namespace sgx {

using NodePages = std::span<const std::uint32_t>;

// Every page of every node: the count a fresh pool starts with.
inline long total_pages(NodePages pages) noexcept {
    return std::accumulate(pages.begin(), pages.end(), 0L);
}

}  // namespace sgx
