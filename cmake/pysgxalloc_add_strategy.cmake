# pysgxalloc_add_strategy(<module> <header>): an extension module named
# <module> holding the strategy <header> declares (PYSGXALLOC_STRATEGY), from
# the same generated source `pysgxalloc build` compiles
# (share/pysgxalloc/strategy_module.cpp.in). Needs find_package(Python ...
# Development.Module) first.
function(pysgxalloc_add_strategy module header)
  get_filename_component(SGX_HEADER "${header}" ABSOLUTE)
  get_filename_component(SGX_HEADER_NAME "${header}" NAME)
  set(SGX_MODULE "${module}")
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/${module}_module.cpp")
  configure_file("${pysgxalloc_MODULE_TEMPLATE}" "${generated}" @ONLY)
  Python_add_library(${module} MODULE WITH_SOABI "${generated}")
  target_link_libraries(${module} PRIVATE pysgxalloc::strategy)
  set_target_properties(${module} PROPERTIES CXX_VISIBILITY_PRESET hidden CXX_EXTENSIONS OFF)
endfunction()
