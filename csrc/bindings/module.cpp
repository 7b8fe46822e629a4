// pysgxalloc._core: the C++ allocator model, seen from Python.
#include "bindings/interruptible.hpp"
#include "bindings/register.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "C++ core of pysgxalloc: the SGX EPC allocator model and its native hammer";
    sgx::bindings::register_strategy(m);
    sgx::bindings::register_errors(m);
    sgx::bindings::register_pool(m);
    sgx::bindings::register_hammer(m);
    sgx::bindings::register_read_cost(m);
    sgx::bindings::register_paused_update(m);
    sgx::bindings::register_reclaim(m);
    sgx::bindings::register_explore(m);
    // Before Python finalises: no daemon thread may still be inside a native call (interruptible.hpp).
    pybind11::module_::import("atexit").attr("register")(pybind11::cpp_function(&sgx::bindings::stop_live_calls));
}
