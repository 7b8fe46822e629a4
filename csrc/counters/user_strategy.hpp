// The one header a strategy written outside pysgxalloc includes: installed as
// <pysgxalloc/strategy.hpp> (CMakeLists.txt), it brings every type the concept
// names (counter_strategy.hpp), the pause points (pause.hpp), cells and
// padding, the two family shapes (strategy_family.hpp), and the declaration
// `pysgxalloc build` looks for:
//
//   template <class Pause> class MyCount { ... };          // the concept's members
//   PYSGXALLOC_STRATEGY(sgx::SharedCount<MyCount>)         // at namespace scope, once
//
// The declaration only names the family; the module `pysgxalloc build`
// generates (registry/strategy_module.cpp.in) reads it back and instantiates
// every harness for it (registry/entry_for.hpp). A header with no declaration
// stops at one static_assert that says to add it.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>

#include "base/padded.hpp"
#include "base/slot.hpp"
#include "base/spinlock.hpp"
#include "counters/cell_layout.hpp"
#include "counters/counter_options.hpp"
#include "counters/counter_strategy.hpp"
#include "counters/node_pages.hpp"
#include "counters/pause.hpp"
#include "counters/strategy_family.hpp"

namespace sgx {

// The family a header declared, or void where it declared none. A class
// template specialised once by PYSGXALLOC_STRATEGY: a second declaration in one
// build is a redefinition, which the compiler reports at both places.
template <int Slot = 0>
struct declared_strategy {
    using type = void;
};

}  // namespace sgx

// Declares the header's strategy family: sgx::SharedCount<Counter> for a counter
// template over its pause policy with one shared count, sgx::CellCounts<Counter>
// for one over its cell layout and pause policy, or any family type of your own.
#define PYSGXALLOC_STRATEGY(...)             \
    template <>                              \
    struct sgx::declared_strategy<0> {       \
        using type = __VA_ARGS__;            \
    }
