// to_numpy(): a stats vector as a numpy array (a copy), for the result types' per-thread and per-round fields.
#pragma once

#include <pybind11/numpy.h>

#include <vector>

namespace sgx::bindings {

template <class T>
pybind11::array_t<T> to_numpy(const std::vector<T>& values) {
    return pybind11::array_t<T>(static_cast<pybind11::ssize_t>(values.size()), values.data());
}

}  // namespace sgx::bindings
