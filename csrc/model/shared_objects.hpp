// The model's shared objects, as its pause points name them (counters/pause.hpp
// holds the counters' own): the pool's node locks, the active list, the
// enclaves' locks and ksgxd's wait queue. Kinds from kFirstModelShared on, so
// they never collide with a counter's.
#pragma once

#include <cstdint>

#include "counters/pause.hpp"

namespace sgx {

struct ModelShared {
    static constexpr Shared node_lock{kFirstModelShared};        // the free list lock of node `index`
    static constexpr Shared active_list{kFirstModelShared + 1};  // sgx_active_page_list under its lock
    static constexpr Shared enclave_lock{kFirstModelShared + 2};  // encl->lock of enclave `index`
    static constexpr Shared ksgxd_queue{kFirstModelShared + 3};   // ksgxd_waitq
};

// The model's names, for a trace; nullptr for a kind another floor names.
constexpr const char* model_shared_name(Shared shared) noexcept {
    if (shared == ModelShared::node_lock) return "node_lock";
    if (shared == ModelShared::active_list) return "active_list";
    if (shared == ModelShared::enclave_lock) return "enclave_lock";
    if (shared == ModelShared::ksgxd_queue) return "ksgxd_queue";
    return nullptr;
}

}  // namespace sgx
