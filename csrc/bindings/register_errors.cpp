// The core's error types as Python exceptions. std::invalid_argument already
// becomes ValueError; DoubleFreeError is a ValueError subclass.
#include "base/errors.hpp"
#include "bindings/register.hpp"

namespace py = pybind11;

namespace sgx::bindings {

void register_errors(py::module_& m) {
    py::register_exception<DoubleFreeError>(m, "DoubleFreeError", PyExc_ValueError);
    py::register_exception<InvariantError>(m, "InvariantError", PyExc_RuntimeError);
}

}  // namespace sgx::bindings
