// CounterStrategy: the one shape every free-page counter strategy has, and the
// two facts about it that the pool and the reports read: where the update sits
// relative to the node lock, and what the cheap read promises.
//
// Models the role of sgx_nr_free_pages in arch/x86/kernel/cpu/sgx/main.c. Every
// strategy has:
//
//   static constexpr std::string_view name;  // the name users type
//   static constexpr Accuracy accuracy;      // what the cheap read promises
//   static constexpr UpdateSite site;        // where EpcPool calls on_alloc/on_free
//   using pause_policy = Pause;              // its pause points' policy (pause.hpp); the pool's locks use it too
//   Counter(NodePages pages, const CounterOptions& options);  // every node's pages (node_pages.hpp)
//   void on_alloc(unsigned node, Slot slot) noexcept;  // a page left `node`'s free list
//   void on_free(unsigned node, Slot slot) noexcept;   // a page joined `node`'s free list
//   long read() const noexcept;              // the cheap read should_reclaim sees
//   long exact() const noexcept;             // the most exact read the strategy has
//   long read_error_bound() const noexcept;  // most |read() - exact()| can be when quiescent
//   std::size_t state_bytes() const noexcept;  // memory the counter holds, heap included
//
// The count is signed on purpose: lost increments can take it below zero, which
// the kernel's unsigned long shows as a huge number (model/watermark.hpp offers
// that comparison).
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "base/slot.hpp"
#include "counters/counter_options.hpp"
#include "counters/node_pages.hpp"

namespace sgx {

enum class UpdateSite {
    inside_node_lock,   // before spin_unlock(&node->lock), as v5.15 did
    after_node_unlock,  // after spin_unlock, as the fix ac5d272a0ad0 does
};

// What a strategy's cheap read promises at a quiescent point (no update running).
enum class Accuracy {
    exact,    // read() is the true count
    bounded,  // read() is within read_error_bound() of the true count; exact() is the true count
    drifts,   // updates are lost for good: neither read can recover them
};

template <class C>
concept CounterStrategy = requires(C c, const C cc, unsigned node, Slot slot) {
    { C::name } -> std::convertible_to<std::string_view>;
    { C::accuracy } -> std::convertible_to<Accuracy>;
    { C::site } -> std::convertible_to<UpdateSite>;
    typename C::pause_policy;
    { c.on_alloc(node, slot) } noexcept;
    { c.on_free(node, slot) } noexcept;
    { cc.read() } noexcept -> std::same_as<long>;
    { cc.exact() } noexcept -> std::same_as<long>;
    { cc.read_error_bound() } noexcept -> std::same_as<long>;
    { cc.state_bytes() } noexcept -> std::same_as<std::size_t>;
} && std::constructible_from<C, NodePages, const CounterOptions&>;

}  // namespace sgx
