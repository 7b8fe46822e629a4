// The active page list's types: enclave page ids and sgx_active_page_list, the
// LRU the reclaimer scans. Apart from enclave.hpp because the list's head and
// its lock are main.c statics, which the pool places (pool_layout.hpp) and the
// enclaves use.
#pragma once

#include <cstdint>

#include "model/intrusive_list.hpp"

namespace sgx {

using EnclavePageId = std::uint32_t;
inline constexpr EnclavePageId kNoEnclavePage = UINT32_MAX;

// sgx_active_page_list: its links live in the enclaves' page table; its lock is sgx_reclaimer_lock.
using ActivePageList = IntrusiveList<EnclavePageId, kNoEnclavePage>;

}  // namespace sgx
