// to_numpy(): a stats vector as a numpy array (a copy), for the result types' per-thread and per-round fields.
#pragma once

#include <pybind11/numpy.h>

#include <vector>

namespace sgx::bindings {

inline pybind11::array_t<long long> to_numpy(const std::vector<long long>& values) {
    return pybind11::array_t<long long>(static_cast<pybind11::ssize_t>(values.size()), values.data());
}

}  // namespace sgx::bindings
