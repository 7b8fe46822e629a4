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
//
// The concept is the conjunction of one small concept per member, so that
// check_counter_strategy<C>() can say which member is missing or wrong, one
// static_assert each, instead of a compiler's account of a failed conjunction.
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

namespace strategy_member {

template <class C>
concept name = requires {
    { C::name } -> std::convertible_to<std::string_view>;
};
template <class C>
concept accuracy = requires {
    { C::accuracy } -> std::convertible_to<Accuracy>;
};
template <class C>
concept site = requires {
    { C::site } -> std::convertible_to<UpdateSite>;
};
template <class C>
concept pause_policy = requires { typename C::pause_policy; };
template <class C>
concept constructor = std::constructible_from<C, NodePages, const CounterOptions&>;
template <class C>
concept on_alloc = requires(C c, unsigned node, Slot slot) {
    { c.on_alloc(node, slot) } noexcept;
};
template <class C>
concept on_free = requires(C c, unsigned node, Slot slot) {
    { c.on_free(node, slot) } noexcept;
};
template <class C>
concept read = requires(const C c) {
    { c.read() } noexcept -> std::same_as<long>;
};
template <class C>
concept exact = requires(const C c) {
    { c.exact() } noexcept -> std::same_as<long>;
};
template <class C>
concept read_error_bound = requires(const C c) {
    { c.read_error_bound() } noexcept -> std::same_as<long>;
};
template <class C>
concept state_bytes = requires(const C c) {
    { c.state_bytes() } noexcept -> std::same_as<std::size_t>;
};

}  // namespace strategy_member

template <class C>
concept CounterStrategy =
    strategy_member::name<C> && strategy_member::accuracy<C> && strategy_member::site<C> &&
    strategy_member::pause_policy<C> && strategy_member::constructor<C> && strategy_member::on_alloc<C> &&
    strategy_member::on_free<C> && strategy_member::read<C> && strategy_member::exact<C> &&
    strategy_member::read_error_bound<C> && strategy_member::state_bytes<C>;

// Whether C is a strategy, with one message per missing or wrong member (the
// compiler's note beneath each names C). Call it where a type first meets the
// project, before anything is instantiated with it: `if constexpr
// (check_counter_strategy<C>())` then stops a bad type at these messages.
template <class C>
consteval bool check_counter_strategy() {
    namespace member = strategy_member;
    static_assert(member::name<C>, "strategy has no member `static constexpr std::string_view name`");
    static_assert(member::accuracy<C>, "strategy has no member `static constexpr Accuracy accuracy`");
    static_assert(member::site<C>, "strategy has no member `static constexpr UpdateSite site`");
    static_assert(member::pause_policy<C>, "strategy has no member type `pause_policy`");
    static_assert(member::constructor<C>,
                  "strategy has no constructor `(NodePages pages, const CounterOptions& options)`");
    static_assert(member::on_alloc<C>, "strategy has no member `on_alloc(unsigned node, Slot slot) noexcept`");
    static_assert(member::on_free<C>, "strategy has no member `on_free(unsigned node, Slot slot) noexcept`");
    static_assert(member::read<C>, "strategy has no member `read() const noexcept -> long`");
    static_assert(member::exact<C>, "strategy has no member `exact() const noexcept -> long`");
    static_assert(member::read_error_bound<C>,
                  "strategy has no member `read_error_bound() const noexcept -> long`");
    static_assert(member::state_bytes<C>, "strategy has no member `state_bytes() const noexcept -> std::size_t`");
    return CounterStrategy<C>;
}

}  // namespace sgx
