// NodeSearch: the two node searches __sgx_alloc_epc_page() has had, and the
// bound that turns the older one's endless loop into a reported soft lockup.
//
// Both try the caller's node first when it has EPC, then walk the nodes of
// sgx_numa_mask with next_node_in(), rising and wrapping. They differ only in
// when they give up, which matters only for a caller on a node without EPC:
//
//   v5_13_until_caller  ("x86/sgx: Add a basic NUMA allocation scheme to
//       sgx_alloc_epc_page()", v5.13): stop when next_node_in() comes back to
//       the caller's node. It never does when that node is not in the mask, so
//       with every list empty the caller spins in the allocator until another
//       CPU frees a page, and never reaches the wake-up after the loop.
//   fixed_2024  ("x86/sgx: Fix deadlock in SGX NUMA node search", 2024,
//       backported to the stable kernels): start at the first node actually
//       tried (the caller's, or the first of the mask after it) and stop when
//       the search is back there: one lap, then -ENOMEM like any other caller.
#pragma once

namespace sgx {

enum class NodeSearch {
    v5_13_until_caller,
    fixed_2024,
};

// Laps of the mask without a page after which the v5.13 search is declared a
// soft lockup. The kernel's watchdog waits 20 s (about 10^9 laps); a model needs
// less: a lap is one lock round trip per EPC node, so 2^20 laps take tens of
// milliseconds on one core, long enough for any running CPU that is about to
// free a page to do so, short enough for a test. A caller whose lap finds a page
// returns it at once, exactly as the kernel's loop does.
inline constexpr long kSoftLockupLaps = 1L << 20;

}  // namespace sgx
