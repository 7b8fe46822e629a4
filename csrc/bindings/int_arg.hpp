// IntArg<"name">: an integer argument checked by pybind11's own conversion, as
// _checks.as_int checks one in Python: ints and anything with __index__ (numpy
// integers) are taken; bool, float, str and the rest raise TypeError naming the
// argument; an int beyond 64 bits raises ValueError with its size. Doing this
// in the caster keeps EpcPool.alloc()/free() one pybind11 call each, with no
// Python wrapper in front (a wrapper's checks cost three times the call).
// The caster throws instead of returning false so the error names the argument
// rather than pybind11's "incompatible function arguments"; no function using
// it has overloads that the throw would hide.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <string>

namespace sgx::bindings {

// A string literal usable as a template argument: the argument's name.
template <std::size_t N>
struct ArgName {
    char text[N]{};
    constexpr ArgName(const char (&name)[N]) { std::copy_n(name, N, text); }  // NOLINT: implicit on purpose
};

template <ArgName Name>
struct IntArg {
    long long value = 0;
};

// The slow path of the caster: the value is no int, or an int too big. Kept
// apart so the fast path stays a type test and one PyLong conversion.
[[noreturn]] inline void throw_not_an_int(const char* name, pybind11::handle value) {
    const std::string type = pybind11::str(pybind11::type::handle_of(value).attr("__name__"));
    throw pybind11::type_error(std::string(name) + " must be an int, got " + type);
}

[[noreturn]] inline void throw_beyond_64_bits(const char* name, pybind11::handle number) {
    const std::string bits = pybind11::str(number.attr("bit_length")());
    throw pybind11::value_error(std::string(name) + " must fit in a signed 64-bit integer, got one of " + bits +
                                " bits");
}

// `value` as a long long, or the error as_int() raises for it.
inline long long checked_int(const char* name, pybind11::handle value) {
    PyObject* object = value.ptr();
    if (PyBool_Check(object)) throw_not_an_int(name, value);
    pybind11::object number;
    if (PyLong_Check(object)) {
        number = pybind11::reinterpret_borrow<pybind11::object>(value);
    } else {
        PyObject* index = PyNumber_Index(object);
        if (index == nullptr) {
            PyErr_Clear();
            throw_not_an_int(name, value);
        }
        number = pybind11::reinterpret_steal<pybind11::object>(index);
    }
    int overflow = 0;
    const long long result = PyLong_AsLongLongAndOverflow(number.ptr(), &overflow);
    if (overflow != 0) throw_beyond_64_bits(name, number);
    return result;
}

}  // namespace sgx::bindings

namespace pybind11::detail {

template <sgx::bindings::ArgName Name>
struct type_caster<sgx::bindings::IntArg<Name>> {
    PYBIND11_TYPE_CASTER(sgx::bindings::IntArg<Name>, const_name("int"));

    bool load(handle source, bool /*convert*/) {
        value.value = sgx::bindings::checked_int(Name.text, source);
        return true;
    }
    static handle cast(const sgx::bindings::IntArg<Name>& source, return_value_policy, handle) {
        return PyLong_FromLongLong(source.value);
    }
};

}  // namespace pybind11::detail
