// Cell layouts: how a strategy lays out its per-node or per-thread cells (per_node's
// counts, percpu_batch's slots, striped's cells), chosen once per pool as a
// template parameter, so the hot path has no branch on it.
//
// PaddedCells gives each cell its own Padded<T> (128 bytes): writers on different
// cells never touch the same cache line. PackedCells puts cells side by side, as
// a plain array would: 8-byte cells share a 128-byte line sixteen at a time, so
// writers on neighbouring cells false-share it. Packed exists only for the
// padding ablation: it measures what the padding buys.
#pragma once

#include "base/padded.hpp"

namespace sgx {

// The run-time name of a layout, carried from Python to the one choice in
// strategy_family.hpp (with_cells).
enum class CellLayout {
    padded,
    packed,
};

// A cell with no padding: the same `.value` member as Padded<T>, so strategy
// code reads the same with either layout.
template <class T>
struct Packed {
    T value{};
};

// Where a run's hot shared objects sit (model/pool_layout.hpp places them): every
// one on its own 128-byte block (padded), or shared as v5.15's main.c shares them
// (kernel). A placement, chosen at run time, never a code path: the same pool,
// counter and fault code run in both. `kernel` also packs a strategy's cells into
// one array (a cell-less count then sits beside sgx_reclaimer_lock, see
// CounterOptions::with_memory_layout()). kernel_counter_apart is `kernel` with
// one placement changed, the counter moved onto a block of its own: the
// ablation that tells what the counter's neighbours add (docs/layout.md).
enum class MemoryLayout {
    padded,
    kernel,
    kernel_counter_apart,
};

struct PaddedCells {
    static constexpr CellLayout layout = CellLayout::padded;
    template <class T>
    using Cell = Padded<T>;
};

struct PackedCells {
    static constexpr CellLayout layout = CellLayout::packed;
    template <class T>
    using Cell = Packed<T>;
};

}  // namespace sgx
