// PlainUpdate and RemoteFetchDelay: how the plain strategies' racy update is
// compiled, and how wide its window is.
//
// The kernel's `sgx_nr_free_pages--` on a plain unsigned long compiles (gcc,
// x86-64) to one unlocked `subq $1, mem`: a read-modify-write inside one
// instruction, whose window is the time the core holds the line between its
// read and its write. PlainUpdate::in_place writes the update the same way
// (`count += delta` on a plain long, which compilers emit as one add to memory);
// PlainUpdate::load_store is a volatile load, then a volatile store, two
// instructions with the window between them (the kernel's READ_ONCE/WRITE_ONCE
// form).
//
// RemoteFetchDelay models the remote cache-line fetch inside the racy update:
// on the seed's two-socket machine the counter's line crosses sockets, 100 ns or
// more, while here it is one shared cache. With `nanoseconds` > 0 the
// load_store form waits that long between its load and its store (a spin on the
// steady clock: the window is at least that, plus one clock read, about 20 ns).
// Zero (the default) costs one predictable branch on the load_store path only;
// the in_place path never looks at it.
#pragma once

#include <chrono>

namespace sgx {

enum class PlainUpdate {
    in_place,    // one read-modify-write instruction, as gcc compiles the kernel's `sgx_nr_free_pages--`
    load_store,  // a volatile load, then a volatile store: the window between two instructions
};

// 1 ms: a window far wider than any cache-line fetch, and short enough that a run still ends.
inline constexpr long long kMaxRemoteFetchNs = 1'000'000;

class RemoteFetchDelay {
public:
    explicit RemoteFetchDelay(long nanoseconds = 0) noexcept : window_(nanoseconds) {}

    bool active() const noexcept { return window_.count() > 0; }

    // The fetch itself: returns once the line has "arrived".
    void wait() const noexcept {
        const auto until = std::chrono::steady_clock::now() + window_;
        while (std::chrono::steady_clock::now() < until) {
        }
    }

private:
    std::chrono::nanoseconds window_;
};

}  // namespace sgx
