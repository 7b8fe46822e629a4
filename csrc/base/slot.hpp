// Slot: which of a pool's users is calling, the model's smp_processor_id().
//
// Strategies with per-thread state (a per-CPU delta, a striped cell) index it by
// slot; the others ignore it. A caller owns its slot: two threads never use one
// slot at the same time, which is what lets a slot's state go unlocked.
#pragma once

namespace sgx {

using Slot = unsigned;

// Worker threads (the hammer's, the reclaim scenario's, the Python engine's)
// use slots 0 .. kMaxThreads - 1.
inline constexpr long long kMaxThreads = 1024;
// Single-page calls from Python hold the GIL, so they never overlap and share
// this one extra slot.
inline constexpr Slot kCallerSlot = static_cast<Slot>(kMaxThreads);
inline constexpr Slot kSlotCount = kCallerSlot + 1;

}  // namespace sgx
