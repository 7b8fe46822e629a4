// The core's error types as Python exceptions. std::invalid_argument already
// becomes ValueError; DoubleFreeError is a ValueError subclass.
#include "base/errors.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_errors(py::module_& m) {
    // Each with its own docstring: without one, help() shows the base class's.
    py::register_exception<DoubleFreeError>(m, "DoubleFreeError", PyExc_ValueError)
        .attr("__doc__") = "A page freed while it was already free: the kernel would corrupt its list, the model "
                           "refuses before touching the list or the counter.";
    py::register_exception<InvariantError>(m, "InvariantError", PyExc_RuntimeError)
        .attr("__doc__") = "The pool lost, duplicated or misplaced a page: a bug in the model, never a consequence "
                           "of counter drift (drift corrupts the count, not the lists).";
}

}  // namespace sgx::bindings
