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
    // on purpose; each subclass keeps the built-in base it always had.
    const py::object base = py::exception<void>(m, "SgxAllocError", PyExc_Exception);  // the module keeps it
    py::register_exception<DoubleFreeError>(m, "DoubleFreeError", py::make_tuple(base, py::handle(PyExc_ValueError)));
    py::register_exception<InvariantError>(m, "InvariantError", py::make_tuple(base, py::handle(PyExc_RuntimeError)));
    py::register_exception<SoftLockupError>(m, "SoftLockupError", base);
}

}  // namespace sgx::bindings
