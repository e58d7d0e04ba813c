# Install rules: `cmake --install <build> [--prefix <dir>]` puts
#
#   lib/libtorc.so.X.Y.Z          the shared library, SONAME libtorc.so.X (set with patchelf)
#   lib/libtorc.so.X, libtorc.so  symlinks
#   lib/libtorc.a                 the static library
#   include/torc.h, torcf.h       the C header and the Fortran include file
#   bin/torc_cflags, torc_libs    flags for Makefiles (CFLAGS += `torc_cflags`, ...)
#   bin/torc-trace                checks, summarizes and draws TORC_TRACE files (tools/trace)
#   lib/pkgconfig/torc.pc         pkg-config
#   lib/cmake/torc/               find_package(torc): imported targets torc::torc, torc::torc_static
#
# ("lib" is CMAKE_INSTALL_LIBDIR: lib64 or lib/<multiarch> on some systems.) Every installed file
# finds the installation relative to itself, so the prefix may be chosen at install time and the
# tree moved afterwards. Included by CMakeLists.txt after the `torc` imported target is defined
# (TORC_LIBRARY, TORC_LIB_DIR_ABS).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The version is the crate's (Cargo.toml), the SONAME's number its major part.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../Cargo.toml" _torc_version_line
     REGEX "^version *= *\"[0-9]+\\.[0-9]+\\.[0-9]+" LIMIT_COUNT 1)
if(NOT _torc_version_line MATCHES "\"([0-9]+)\\.([0-9]+)\\.([0-9]+)")
  message(FATAL_ERROR "cmake/install.cmake: no version found in Cargo.toml")
endif()
set(TORC_VERSION "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}.${CMAKE_MATCH_3}")
set(TORC_SOVERSION "${CMAKE_MATCH_1}")
set(TORC_SONAME "libtorc.so.${TORC_SOVERSION}")
set(TORC_REALNAME "libtorc.so.${TORC_VERSION}")

# cargo's cdylib carries no SONAME; patchelf writes it into the installed copy. Without patchelf
# the library is installed without one (programs then record `libtorc.so` instead of
# `libtorc.so.X`, and still run).
find_program(TORC_PATCHELF patchelf DOC "patchelf, to set libtorc.so's SONAME at install time")
if(TORC_PATCHELF)
  set(TORC_HAS_SONAME TRUE)
else()
  set(TORC_HAS_SONAME FALSE)
  message(WARNING "patchelf not found: `cmake --install` will install libtorc.so without a "
                  "SONAME (install patchelf, e.g. apt-get install patchelf, and reconfigure)")
endif()

# Directories (relative to the prefix unless the user made them absolute).
set(TORC_INSTALL_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
set(TORC_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
set(TORC_INSTALL_BINDIR "${CMAKE_INSTALL_BINDIR}")
set(TORC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/torc")
set(TORC_INSTALL_PCDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# The way back from an installed directory to the prefix (`..`, `../..`), for files that locate
# the installation from where they are.
function(torc_path_to_prefix out dir)
  if(IS_ABSOLUTE "${dir}")
    message(FATAL_ERROR "cmake/install.cmake: ${dir} must be relative to the install prefix")
  endif()
  file(RELATIVE_PATH rel "/torc-prefix/${dir}" "/torc-prefix")
  string(REGEX REPLACE "/+$" "" rel "${rel}")
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()
torc_path_to_prefix(TORC_BIN_TO_PREFIX "${TORC_INSTALL_BINDIR}")
torc_path_to_prefix(TORC_PC_TO_PREFIX "${TORC_INSTALL_PCDIR}")

# MPI flags for the scripts and pkg-config: libtorc is built against this MPI, so programs must
# use the same one. Harmless duplicates when compiling with mpicc.
set(TORC_MPI_CFLAGS "")
foreach(dir IN LISTS MPI_C_INCLUDE_DIRS)
  string(APPEND TORC_MPI_CFLAGS " -I${dir}")
endforeach()
foreach(def IN LISTS MPI_C_COMPILE_DEFINITIONS)
  string(APPEND TORC_MPI_CFLAGS " -D${def}")
endforeach()
foreach(opt IN LISTS MPI_C_COMPILE_OPTIONS)
  string(APPEND TORC_MPI_CFLAGS " ${opt}")
endforeach()
string(STRIP "${TORC_MPI_CFLAGS}" TORC_MPI_CFLAGS)
set(TORC_MPI_LIBS "")
foreach(flag IN LISTS MPI_C_LINK_FLAGS MPI_C_LIBRARIES)
  string(APPEND TORC_MPI_LIBS " ${flag}")
endforeach()
string(STRIP "${TORC_MPI_LIBS}" TORC_MPI_LIBS)
# What the Rust static library needs besides MPI (`rustc --print native-static-libs`).
set(TORC_STATIC_DEPS "-lgcc_s -lutil -lrt -lpthread -lm -ldl")

# The libraries, as cargo built them.
install(FILES "${TORC_LIBRARY}"
        DESTINATION "${TORC_INSTALL_LIBDIR}"
        RENAME "${TORC_REALNAME}"
        PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                    WORLD_READ WORLD_EXECUTE)
install(FILES "${TORC_LIB_DIR_ABS}/libtorc.a" DESTINATION "${TORC_INSTALL_LIBDIR}")

# SONAME and the two symlinks, at install time (the prefix may be given to `cmake --install`).
set(_torc_soname_code [=[
cmake_policy(PUSH)
cmake_policy(VERSION 3.16)
set(_torc_has_soname @TORC_HAS_SONAME@)
set(_torc_libdir "@TORC_INSTALL_LIBDIR@")
if(NOT IS_ABSOLUTE "${_torc_libdir}")
  set(_torc_libdir "${CMAKE_INSTALL_PREFIX}/${_torc_libdir}")
endif()
set(_torc_libdir "$ENV{DESTDIR}${_torc_libdir}")
set(_torc_lib "${_torc_libdir}/@TORC_REALNAME@")
if(_torc_has_soname)
  execute_process(COMMAND "@TORC_PATCHELF@" --print-soname "${_torc_lib}"
                  OUTPUT_VARIABLE _torc_old OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _torc_rc ERROR_QUIET)
  if(NOT _torc_old STREQUAL "@TORC_SONAME@")
    message(STATUS "Setting SONAME @TORC_SONAME@: ${_torc_lib}")
    execute_process(COMMAND "@TORC_PATCHELF@" --set-soname "@TORC_SONAME@" "${_torc_lib}"
                    RESULT_VARIABLE _torc_rc)
    if(NOT _torc_rc EQUAL 0)
      message(FATAL_ERROR "patchelf --set-soname @TORC_SONAME@ ${_torc_lib} failed (${_torc_rc})")
    endif()
  endif()
endif()
foreach(_torc_link IN ITEMS "@TORC_SONAME@:@TORC_REALNAME@" "libtorc.so:@TORC_SONAME@")
  string(REPLACE ":" ";" _torc_pair "${_torc_link}")
  list(GET _torc_pair 0 _torc_name)
  list(GET _torc_pair 1 _torc_target)
  message(STATUS "Installing: ${_torc_libdir}/${_torc_name} -> ${_torc_target}")
  file(REMOVE "${_torc_libdir}/${_torc_name}")
  file(CREATE_LINK "${_torc_target}" "${_torc_libdir}/${_torc_name}" SYMBOLIC)
endforeach()
cmake_policy(POP)
]=])
string(CONFIGURE "${_torc_soname_code}" _torc_soname_code @ONLY)
install(CODE "${_torc_soname_code}")

# Headers.
install(FILES "${CMAKE_CURRENT_LIST_DIR}/../include/torc.h"
              "${CMAKE_CURRENT_LIST_DIR}/../include/torcf.h"
        DESTINATION "${TORC_INSTALL_INCLUDEDIR}")

# torc_cflags / torc_libs.
set(_torc_gen "${CMAKE_CURRENT_BINARY_DIR}/torc-install")
foreach(script torc_cflags torc_libs)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/${script}.in" "${_torc_gen}/${script}" @ONLY)
  install(PROGRAMS "${_torc_gen}/${script}" DESTINATION "${TORC_INSTALL_BINDIR}")
endforeach()

# torc-trace: built by cargo with the library (torc_cargo), or taken from TORC_LIB_DIR when it
# is there at install time (`cargo build -p torc-trace` puts it beside libtorc.so).
set(TORC_TRACE_TOOL "${TORC_LIB_DIR_ABS}/torc-trace")
if(TARGET torc_cargo)
  install(PROGRAMS "${TORC_TRACE_TOOL}" DESTINATION "${TORC_INSTALL_BINDIR}")
else()
  if(NOT EXISTS "${TORC_TRACE_TOOL}")
    message(STATUS "TORC_LIB_DIR has no torc-trace (yet): bin/torc-trace is installed only if "
                   "it is there at install time (cargo build -p torc-trace)")
  endif()
  install(PROGRAMS "${TORC_TRACE_TOOL}" DESTINATION "${TORC_INSTALL_BINDIR}" OPTIONAL)
endif()

# pkg-config.
configure_file("${CMAKE_CURRENT_LIST_DIR}/torc.pc.in" "${_torc_gen}/torc.pc" @ONLY)
install(FILES "${_torc_gen}/torc.pc" DESTINATION "${TORC_INSTALL_PCDIR}")

# CMake package.
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/torcConfig.cmake.in"
  "${_torc_gen}/torcConfig.cmake"
  INSTALL_DESTINATION "${TORC_INSTALL_CMAKEDIR}"
  PATH_VARS TORC_INSTALL_LIBDIR TORC_INSTALL_INCLUDEDIR)
write_basic_package_version_file("${_torc_gen}/torcConfigVersion.cmake"
  VERSION "${TORC_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES "${_torc_gen}/torcConfig.cmake" "${_torc_gen}/torcConfigVersion.cmake"
        DESTINATION "${TORC_INSTALL_CMAKEDIR}")

# The Fortran examples, built and run by ctest like the C ones when a Fortran compiler exists.
include("${CMAKE_CURRENT_LIST_DIR}/fortran.cmake")
