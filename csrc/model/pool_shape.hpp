// PoolShape: how many nodes a pool has and how many pages each one holds, and
// the checks that turn user-supplied numbers into valid node and page ids. The
// checks live here, once, so the pool's hot paths can trust their arguments.
//
// A node may hold no pages at all: it has CPUs but no EPC, and is not in
// sgx_numa_mask (firmware that maps all EPC to some sockets only). Threads run
// there like anywhere else; the node search skips it (next_node_in()).
// Pages are numbered node by node: node 0's first, then node 1's, and so on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "counters/node_pages.hpp"

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

class PoolShape {
public:
    // Every node with the same `pages_per_node` (at least 1).
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
        return PoolShape(std::vector<std::uint32_t>(static_cast<std::size_t>(nodes),
                                                    static_cast<std::uint32_t>(pages_per_node)));
    }

    // Each node's own count; 0 for a CPU-only node, and at least one node with EPC.
    static PoolShape checked(std::span<const long long> node_pages) {
        check_range("nodes", static_cast<long long>(node_pages.size()), 1, kMaxNodes);
        long long total = 0;
        for (std::size_t node = 0; node < node_pages.size(); ++node) {
            const long long pages = node_pages[node];
            if (pages < 0) {
                throw_bad_argument("pages_per_node[" + std::to_string(node) +
                                   "] must be at least 0 (0: a CPU-only node), got " + std::to_string(pages));
            }
            if (pages > kMaxTotalPages - total) {
                throw_bad_argument("the nodes' pages must total at most " + std::to_string(kMaxTotalPages) + " (" +
                                   std::to_string(kPageTableEntryBytes) + " bytes of page table each)");
            }
            total += pages;
        }
        if (total == 0) {
            throw_bad_argument("pages_per_node must give at least one node EPC pages; every node listed is CPU-only");
        }
        return PoolShape(std::vector<std::uint32_t>(node_pages.begin(), node_pages.end()));
    }

    // A run config's two forms: `node_pages` when it lists any node (then `nodes`
    // must be its length), else `nodes` x `pages_per_node`.
    static PoolShape checked(long long nodes, long long pages_per_node, std::span<const long long> node_pages) {
        if (node_pages.empty()) return checked(nodes, pages_per_node);
        if (nodes != static_cast<long long>(node_pages.size())) {
            throw_bad_argument("nodes must equal the length of pages_per_node (" + std::to_string(node_pages.size()) +
                               "), got " + std::to_string(nodes));
        }
        return checked(node_pages);
    }

    unsigned nodes() const noexcept { return static_cast<unsigned>(pages_.size()); }
    NodePages node_pages() const noexcept { return pages_; }
    std::uint32_t pages_of(unsigned node) const noexcept { return pages_[node]; }
    PageId first_page_of(unsigned node) const noexcept { return first_[node]; }
    PageId total_pages() const noexcept { return total_; }
    // Every node holds the same number of pages (none of them CPU-only).
    bool uniform() const noexcept {
        for (const std::uint32_t pages : pages_) {
            if (pages != pages_[0]) return false;
        }
        return true;
    }

    // node_isset(node, sgx_numa_mask): the node has EPC.
    bool has_epc(unsigned node) const noexcept { return pages_[node] != 0; }
    // models next_node_in(node, sgx_numa_mask): the next node with EPC after
    // `node`, wrapping round; `node` itself when it is the mask's only node.
    unsigned next_node_in(unsigned node) const noexcept { return next_[node]; }
    // The mask as the kernel prints a nodemask (%*pbl): "0-1", "0,2".
    std::string mask_text() const {
        std::string text;
        for (unsigned node = 0; node < nodes(); ++node) {
            if (!has_epc(node) || (node > 0 && has_epc(node - 1))) continue;
            unsigned last = node;
            while (last + 1 < nodes() && has_epc(last + 1)) ++last;
            if (!text.empty()) text += ',';
            text += std::to_string(node);
            if (last > node) text += '-' + std::to_string(last);
        }
        return text;
    }

    unsigned checked_node(long long node) const {
        check_range("node", node, 0, static_cast<long long>(nodes()) - 1);
        return static_cast<unsigned>(node);
    }

    PageId checked_page(long long page) const {
        check_range("page id", page, 0, static_cast<long long>(total_pages()) - 1);
        return static_cast<PageId>(page);
    }

private:
    explicit PoolShape(std::vector<std::uint32_t> pages)
        : pages_(std::move(pages)), first_(pages_.size()), next_(pages_.size()) {
        for (std::size_t node = 0; node < pages_.size(); ++node) {
            first_[node] = total_;
            total_ += pages_[node];
        }
        const auto count = static_cast<unsigned>(pages_.size());
        for (unsigned node = 0; node < count; ++node) {
            unsigned next = node;
            do {
                next = next + 1 == count ? 0 : next + 1;
            } while (pages_[next] == 0);  // ends: at least one node has EPC
            next_[node] = static_cast<std::uint16_t>(next);
        }
    }

    std::vector<std::uint32_t> pages_;
    std::vector<PageId> first_;
    std::vector<std::uint16_t> next_;  // nodes <= kMaxNodes fits
    PageId total_ = 0;
};

}  // namespace sgx
