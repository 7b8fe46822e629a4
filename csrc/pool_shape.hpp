// PoolShape: how many nodes and pages a pool has, and the checks that turn
// user-supplied numbers into valid node and page ids. The checks live here,
// once, so the pool's hot paths can trust their arguments.
#pragma once

#include <cstdint>
#include <string>

#include "errors.hpp"

namespace sgx {

using PageId = std::uint32_t;
inline constexpr PageId kNoPage = UINT32_MAX;

// MAX_NUMNODES of a kernel built with NODES_SHIFT=10, the largest x86 config.
inline constexpr long long kMaxNodes = 1024;
// 2^28 pages (1 TiB of 4 KiB EPC pages) need 2 GiB of page table here; the seed
// report's machine had 2^25. Refused before anything is allocated.
inline constexpr long long kMaxTotalPages = 1LL << 28;

// Far beyond any real drift, and far from overflowing the count.
inline constexpr long long kMaxInitialDrift = 1LL << 40;

inline void check_drift(long long initial_drift) {
    if (initial_drift < -kMaxInitialDrift || initial_drift > kMaxInitialDrift) {
        throw_bad_argument("initial_drift must be between -2^40 and 2^40, got " + std::to_string(initial_drift));
    }
}

struct PoolShape {
    unsigned nodes;
    std::uint32_t pages_per_node;

    static PoolShape checked(long long nodes, long long pages_per_node) {
        if (nodes < 1 || nodes > kMaxNodes) {
            throw_bad_argument("nodes must be between 1 and " + std::to_string(kMaxNodes) + ", got " +
                               std::to_string(nodes));
        }
        if (pages_per_node < 1) {
            throw_bad_argument("pages_per_node must be at least 1, got " + std::to_string(pages_per_node));
        }
        if (pages_per_node > kMaxTotalPages / nodes) {
            throw_bad_argument("nodes x pages_per_node must be at most " + std::to_string(kMaxTotalPages) +
                               " pages (8 bytes of page table each), got " + std::to_string(nodes) + " x " +
                               std::to_string(pages_per_node));
        }
        return {static_cast<unsigned>(nodes), static_cast<std::uint32_t>(pages_per_node)};
    }

    PageId total_pages() const noexcept { return nodes * pages_per_node; }

    unsigned checked_node(long long node) const {
        if (node < 0 || node >= nodes) {
            throw_bad_argument("node must be between 0 and " + std::to_string(nodes - 1) + ", got " +
                               std::to_string(node));
        }
        return static_cast<unsigned>(node);
    }

    PageId checked_page(long long page) const {
        if (page < 0 || page >= total_pages()) {
            throw_bad_argument("page id must be between 0 and " + std::to_string(total_pages() - 1) + ", got " +
                               std::to_string(page));
        }
        return static_cast<PageId>(page);
    }
};

}  // namespace sgx
