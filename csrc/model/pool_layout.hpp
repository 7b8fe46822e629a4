// Where the allocator's hot shared objects sit: the node array (sgx_numa_nodes),
// the free-page counter, sgx_reclaimer_lock and sgx_active_page_list, and the
// node array's pointer. MemoryLayout (counters/cell_layout.hpp) picks one of the
// placements at run time; the objects are built in one arena at the offsets it
// gives, and everything else reaches them through pointers set once. So the
// layouts share every line of code: the explorer and ThreadSanitizer see the
// same accesses, only their addresses differ.
//
// padded: each object alone on its own 128-byte block (kFalseSharingRange), the
// list head with its lock as before; nodes 128 bytes apart.
//
// kernel: v5.15 (arch/x86/kernel/cpu/sgx/main.c) as gcc and the slab lay it out.
// One 64-byte line holds the node array's pointer, sgx_numa_mask's first word,
// sgx_reclaimer_lock and sgx_nr_free_pages; sgx_active_page_list's head sits on
// the next line, apart from its lock; the node array is one kmalloc_array of
// struct sgx_numa_node (a list head and a spinlock, 24 bytes), so two nodes'
// locks share one line. A counter whose alignment is wider than a long (a
// user's padded strategy) is placed at its alignment, off that line.
//
// kernel_counter_apart: `kernel` with the counter alone on its own block, the
// rest unchanged (an ablation: what the counter's neighbours add).
//
// Cost: one allocation per pool, a few hundred bytes plus the nodes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

#include "base/padded.hpp"
#include "counters/cell_layout.hpp"

namespace sgx {

// The kernel's cache line: what gcc packs statics into and kmalloc aligns to.
inline constexpr std::size_t kKernelLine = 64;

// Byte offsets into the arena, and the node array's stride.
struct PoolPlacement {
    std::size_t numa_nodes = 0;      // the node array's pointer (sgx_numa_nodes)
    std::size_t numa_mask = 0;       // a word standing for sgx_numa_mask (written once, never read)
    std::size_t reclaimer_lock = 0;  // sgx_reclaimer_lock, the active list's lock
    std::size_t counter = 0;         // the strategy object (sgx_nr_free_pages)
    std::size_t active_list = 0;     // sgx_active_page_list's head
    std::size_t nodes = 0;           // node 0 (struct sgx_numa_node)
    std::size_t node_stride = 0;     // bytes from one node to the next
    std::size_t bytes = 0;           // the arena's size

    // `Node`, `Lock`, `List` and `Counter` are the types placed; `nodes` how many nodes.
    template <class Node, class Lock, class List, class Counter>
    static PoolPlacement of(MemoryLayout layout, unsigned nodes) {
        static_assert(alignof(Node) <= kKernelLine && alignof(Lock) <= alignof(void*) &&
                      alignof(List) <= alignof(void*));
        PoolPlacement at;
        std::size_t end = 0;
        // The next offset at or after `from` aligned to `align`.
        const auto aligned = [](std::size_t from, std::size_t align) { return (from + align - 1) / align * align; };
        if (layout == MemoryLayout::padded) {
            // Every object on its own block; the list head right after its lock, as one Padded<Active> was.
            const auto block = [&](std::size_t size) {
                const std::size_t offset = end;
                end = aligned(end + size, kFalseSharingRange);
                return offset;
            };
            at.numa_nodes = block(2 * sizeof(void*));
            at.numa_mask = at.numa_nodes + sizeof(void*);
            at.counter = block(sizeof(Counter));
            at.reclaimer_lock = end;
            at.active_list = aligned(at.reclaimer_lock + sizeof(Lock), alignof(List));
            end = aligned(at.active_list + sizeof(List), kFalseSharingRange);
            at.node_stride = aligned(sizeof(Node), kFalseSharingRange);
        } else {
            // main.c's statics, side by side in one line.
            at.numa_nodes = 0;
            at.numa_mask = sizeof(void*);
            at.reclaimer_lock = 2 * sizeof(void*);
            if (layout == MemoryLayout::kernel) {
                at.counter = aligned(at.reclaimer_lock + sizeof(Lock), alignof(Counter));
                end = at.counter + sizeof(Counter);
                at.active_list = aligned(std::max(end, at.reclaimer_lock + 1), kKernelLine);  // the next line
                end = at.active_list + sizeof(List);
            } else {
                // kernel_counter_apart: the same, but the counter leaves the line for a block of its own.
                at.active_list = aligned(at.reclaimer_lock + sizeof(Lock), kKernelLine);  // the next line, as in `kernel`
                at.counter = aligned(at.active_list + sizeof(List), kFalseSharingRange);
                end = aligned(at.counter + sizeof(Counter), kFalseSharingRange);
            }
            at.node_stride = aligned(sizeof(Node), alignof(Node));  // kmalloc_array: no gap between nodes
        }
        // The node array is an allocation of its own (kmalloc_array): its own block either way.
        at.nodes = aligned(end, kFalseSharingRange);
        at.bytes = aligned(at.nodes + at.node_stride * nodes, kFalseSharingRange);
        return at;
    }
};

// Where a pool's layout put each object, for a debug accessor: tests read the lines they share.
struct PoolAddresses {
    std::vector<std::uintptr_t> node_locks;
    std::uintptr_t counter = 0;         // the strategy object; a one-count strategy's count is its first member
    std::uintptr_t reclaimer_lock = 0;  // sgx_reclaimer_lock, the active list's lock
    std::uintptr_t active_list = 0;     // sgx_active_page_list's head
    std::uintptr_t numa_nodes = 0;      // the node array's pointer
};

// Raw memory aligned to kFalseSharingRange that objects are built in at given
// offsets, each destroyed in reverse order of construction when the arena goes.
class Arena {
public:
    explicit Arena(std::size_t bytes)
        : base_(static_cast<std::byte*>(::operator new(bytes, std::align_val_t{kFalseSharingRange}))) {}
    ~Arena() {
        for (auto it = built_.rbegin(); it != built_.rend(); ++it) it->first(it->second);
        ::operator delete(base_, std::align_val_t{kFalseSharingRange});
    }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    // The arena's byte at `offset`, for objects laid out by stride from there.
    std::byte* at(std::size_t offset) const noexcept { return base_ + offset; }

    // A T built at `offset`, which must suit its alignment and lie inside the arena.
    template <class T, class... Args>
    T* make(std::size_t offset, Args&&... args) {
        built_.reserve(built_.size() + 1);  // before the object: a throw leaves nothing unrecorded
        T* object = ::new (static_cast<void*>(base_ + offset)) T(std::forward<Args>(args)...);
        built_.emplace_back([](void* built) { static_cast<T*>(built)->~T(); }, object);
        return object;
    }

private:
    std::byte* base_;
    std::vector<std::pair<void (*)(void*), void*>> built_;
};

}  // namespace sgx
