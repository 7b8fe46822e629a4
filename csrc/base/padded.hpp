// Padded<T>: one value alone on its own pair of cache lines.
//
// x86-64 fetches cache lines in adjacent pairs (the spatial prefetcher), so two
// values 64 bytes apart still false-share; 128 bytes is the distance that keeps
// them apart (crossbeam's CachePadded and folly use the same). We name the
// constant ourselves: GCC 12 warns when std::hardware_destructive_interference_size
// appears in a header, because its value may differ between translation units.
#pragma once

#include <cstddef>

namespace sgx {

inline constexpr std::size_t kFalseSharingRange = 128;

template <class T>
struct alignas(kFalseSharingRange) Padded {
    T value{};
};

static_assert(sizeof(Padded<long>) == kFalseSharingRange);
static_assert(alignof(Padded<char>) == kFalseSharingRange);

}  // namespace sgx
