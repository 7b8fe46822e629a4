// The core's error types as Python exceptions. std::invalid_argument already
// becomes ValueError. SgxAllocError is the package's base: DoubleFreeError is
// also a ValueError, InvariantError a RuntimeError, and SoftLockupError (the
// v5.13 node search from a CPU-only node, every list empty) is only ours.
#include "base/errors.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_errors(py::module_& m) {
    // The package's own base class, so `except SgxAllocError` catches every error the model raises
    // on purpose; each subclass keeps the built-in base it always had, and its own docstring
    // (without one, help() shows the base class's).
    const py::object base = py::exception<void>(m, "SgxAllocError", PyExc_Exception);  // the module keeps it
    base.attr("__doc__") = "Every error pysgxalloc's model raises on purpose.";
    py::register_exception<DoubleFreeError>(m, "DoubleFreeError", py::make_tuple(base, py::handle(PyExc_ValueError)))
        .attr("__doc__") = "A page freed while it was already free: the kernel would corrupt its list, the model "
                           "refuses before touching the list or the counter.";
    py::register_exception<InvariantError>(m, "InvariantError", py::make_tuple(base, py::handle(PyExc_RuntimeError)))
        .attr("__doc__") = "The pool lost, duplicated or misplaced a page: a bug in the model, never a consequence "
                           "of counter drift (drift corrupts the count, not the lists).";
    py::register_exception<SoftLockupError>(m, "SoftLockupError", base).attr("__doc__") =
        "A caller on a CPU-only node found every free list empty with v5.13's node search, which never returns "
        "there: the kernel's soft lockup, stopped after a bounded number of laps.";
}

}  // namespace sgx::bindings
