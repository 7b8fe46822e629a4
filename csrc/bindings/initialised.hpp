// on_initialised(): bind a member function so that a call on an instance whose
// __init__ never ran raises TypeError instead of crashing.
//
// Why pybind11 lets such a call through: `Class.__new__(Class)` (or a subclass
// whose __init__ never reaches the base's) makes an instance whose value
// pointer is null and whose holder is not constructed. pybind11 checks that
// __init__ ran only when the type is *called* (pybind11_meta_call), and when a
// method later converts `self`, type_caster_generic::load_value() allocates raw,
// unconstructed storage for the missing value (the lazy allocation that lets
// __init__ placement-new into it) and hands the method a pointer to it: a
// virtual call through garbage. So the pointer cannot tell; the instance's
// holder_constructed flag can, and every method and property of such a class
// takes `self` as a handle and is checked here first. With the GIL held: the
// callers release it after the check.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <typeinfo>

namespace sgx::bindings {

template <class Class>
Class& initialised(pybind11::handle self, const char* name) {
    namespace detail = pybind11::detail;
    if (!pybind11::isinstance<Class>(self)) {
        throw pybind11::type_error(std::string(name) + " method called on a " +
                                   Py_TYPE(self.ptr())->tp_name + ", not a " + name);
    }
    auto* instance = reinterpret_cast<detail::instance*>(self.ptr());
    detail::value_and_holder held = instance->get_value_and_holder(detail::get_type_info(typeid(Class)));
    if (!held.holder_constructed()) {
        // The caller's own class name: EpcPool for the Python wrapper, Pool for the core's.
        const auto shown = pybind11::type::handle_of(self).attr("__name__").cast<std::string>();
        throw pybind11::type_error(shown + " was never initialised: build it by calling " + shown + "(...), not " +
                                   shown + ".__new__");
    }
    return *static_cast<Class*>(held.value_ptr());
}

// One overload per member-function shape (const or not, noexcept or not): each
// is a distinct type, and pybind11 needs the exact signature of what it binds.
template <class Class, class Result, class... Args>
auto on_initialised(const char* name, Result (Class::*method)(Args...) const) {
    return [name, method](pybind11::handle self, Args... args) -> Result {
        return (initialised<Class>(self, name).*method)(args...);
    };
}
template <class Class, class Result, class... Args>
auto on_initialised(const char* name, Result (Class::*method)(Args...) const noexcept) {
    return [name, method](pybind11::handle self, Args... args) -> Result {
        return (initialised<Class>(self, name).*method)(args...);
    };
}
template <class Class, class Result, class... Args>
auto on_initialised(const char* name, Result (Class::*method)(Args...)) {
    return [name, method](pybind11::handle self, Args... args) -> Result {
        return (initialised<Class>(self, name).*method)(args...);
    };
}

}  // namespace sgx::bindings
