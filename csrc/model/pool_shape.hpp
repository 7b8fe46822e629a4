// PoolShape: how many nodes and pages a pool has, and the checks that turn
// user-supplied numbers into valid node and page ids. The checks live here,
// once, so the pool's hot paths can trust their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/errors.hpp"

namespace sgx {

using PageId = std::uint32_t;
inline constexpr PageId kNoPage = UINT32_MAX;

// MAX_NUMNODES of a kernel built with NODES_SHIFT=10, the largest x86 config.
inline constexpr long long kMaxNodes = 1024;
// 2^28 pages (1 TiB of 4 KiB EPC pages) need 2 GiB of page table here; the seed
// report's machine had 2^25. Refused before anything is allocated.
inline constexpr long long kMaxTotalPages = 1LL << 28;
// What one page costs in EpcPool's page table (its link, home node and free flag).
inline constexpr std::size_t kPageTableEntryBytes = 8;

struct PoolShape {
    unsigned nodes;
    std::uint32_t pages_per_node;

    static PoolShape checked(long long nodes, long long pages_per_node) {
        check_range("nodes", nodes, 1, kMaxNodes);
        if (pages_per_node < 1) {
            throw_bad_argument("pages_per_node must be at least 1, got " + std::to_string(pages_per_node));
        }
        if (pages_per_node > kMaxTotalPages / nodes) {
            throw_bad_argument("nodes x pages_per_node must be at most " + std::to_string(kMaxTotalPages) +
                               " pages (" + std::to_string(kPageTableEntryBytes) +
                               " bytes of page table each), got " + std::to_string(nodes) + " x " +
                               std::to_string(pages_per_node));
        }
        return {static_cast<unsigned>(nodes), static_cast<std::uint32_t>(pages_per_node)};
    }

    PageId total_pages() const noexcept { return nodes * pages_per_node; }

    unsigned checked_node(long long node) const {
        check_range("node", node, 0, static_cast<long long>(nodes) - 1);
        return static_cast<unsigned>(node);
    }

    PageId checked_page(long long page) const {
        check_range("page id", page, 0, static_cast<long long>(total_pages()) - 1);
        return static_cast<PageId>(page);
    }
};

}  // namespace sgx
