// The pieces of the _core module, one registration function per file.
#pragma once

#include <pybind11/pybind11.h>

namespace sgx::bindings {

void register_strategy(pybind11::module_& m);
void register_errors(pybind11::module_& m);
void register_pool(pybind11::module_& m);
void register_hammer(pybind11::module_& m);
void register_read_cost(pybind11::module_& m);
void register_paused_update(pybind11::module_& m);
void register_reclaim(pybind11::module_& m);
void register_explore(pybind11::module_& m);

}  // namespace sgx::bindings
