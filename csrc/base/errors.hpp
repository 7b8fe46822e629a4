// The errors the core reports. Bad arguments are std::invalid_argument (Python's
// ValueError); the bindings register the three below as Python exception types.
// They have default visibility although the module hides its symbols: a catch
// in one extension module then matches a throw in another (a strategy built
// outside _core, registry/strategy_entry.hpp), as pybind11 does for its own.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sgx {

// Freeing a page that is already free: the kernel would corrupt its list; the
// model refuses before touching the list or the counter.
struct [[gnu::visibility("default")]] DoubleFreeError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// The pool lost, duplicated or misplaced a page: a bug in the model, never a
// consequence of counter drift (drift corrupts the count, not the lists).
struct [[gnu::visibility("default")]] InvariantError : std::logic_error {
    using std::logic_error::logic_error;
};

// A caller on a node without EPC searched every list, lap after lap, and found
// nothing: the 2021 node search would never have returned (a soft lockup). The
// model stops it after a bounded number of laps (model/node_search.hpp) and
// reports the caller's node; the pool's lists and counter are untouched by it.
struct [[gnu::visibility("default")]] SoftLockupError : std::runtime_error {
    SoftLockupError(const std::string& message, unsigned caller_node)
        : std::runtime_error(message), node(caller_node) {}
    unsigned node;  // the CPU-only node the search started from
};

// A long native step (a pool's construction) saw its StopFlag raised and gave up
// half way, having built nothing anyone can use. The bindings turn it back into
// the KeyboardInterrupt that raised the flag (bindings/interruptible.hpp).
struct [[gnu::visibility("default")]] Stopped : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Cold: the hot paths only branch to these.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_double_free(std::uint32_t page) {
    throw DoubleFreeError("page " + std::to_string(page) + " is already free (double free)");
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_stopped(const char* what) {
    throw Stopped(std::string(what) + " was stopped");
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_bad_argument(const std::string& message) {
    throw std::invalid_argument(message);
}

// The one range check behind every "FIELD must be between LOW and HIGH, got V" message.
inline void check_range(const char* field, long long value, long long low, long long high) {
    if (value < low || value > high) [[unlikely]] {
        throw_bad_argument(std::string(field) + " must be between " + std::to_string(low) + " and " +
                           std::to_string(high) + ", got " + std::to_string(value));
    }
}

// The same for a time in seconds, the limits printed as written (0.001, not
// 0.001000). Written so that NaN fails too.
inline void check_seconds(const char* field, double value, double low, double high) {
    if (!(value >= low && value <= high)) [[unlikely]] {
        std::ostringstream message;
        message << field << " must be between " << low << " and " << high << " seconds, got " << value;
        throw_bad_argument(message.str());
    }
}

}  // namespace sgx
