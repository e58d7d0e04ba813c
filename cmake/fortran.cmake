# The Fortran examples (f_examples/*.f90, *.f) against the `torc` target, registered with ctest
# like the C examples (1 to 4 processes; the runs on more than one labelled `multinode`). Skipped
# with a message when no Fortran compiler or no MPI Fortran support is found.
include(CheckLanguage)
check_language(Fortran)
if(NOT CMAKE_Fortran_COMPILER)
  message(STATUS "No Fortran compiler: the Fortran examples are not built")
  return()
endif()
enable_language(Fortran)
find_package(MPI COMPONENTS Fortran)
if(NOT MPI_Fortran_FOUND)
  message(STATUS "No MPI Fortran support: the Fortran examples are not built")
  return()
endif()

file(GLOB TORC_F_EXAMPLE_SOURCES CONFIGURE_DEPENDS
     "${CMAKE_CURRENT_LIST_DIR}/../f_examples/*.f90"
     "${CMAKE_CURRENT_LIST_DIR}/../f_examples/*.f")
list(SORT TORC_F_EXAMPLE_SOURCES)
foreach(src IN LISTS TORC_F_EXAMPLE_SOURCES)
  get_filename_component(name "${src}" NAME_WE)
  set(target "f_${name}")
  add_executable(${target} "${src}")
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${name}"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/f_examples"
    BUILD_RPATH "${TORC_LIB_DIR_ABS}")
  target_link_libraries(${target} PRIVATE torc MPI::MPI_Fortran)
  torc_add_mpi_tests(${target} "examples;fortran")
endforeach()
