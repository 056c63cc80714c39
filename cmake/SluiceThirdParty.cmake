# nlohmann-json, CLI11 and fmt: the installed packages when there are any, else the copies that the
# engine's source archive bundles in third_party/ (SluiceEngineSource.cmake) for clusters without a
# module for them. A git checkout has no third_party/: there they must be installed.
set(SLUICE_THIRD_PARTY_DIR "${PROJECT_SOURCE_DIR}/third_party")

# sluice_header_library(PACKAGE VERSION|ANY TARGET HEADER DEBIAN_PACKAGE [DEFINITIONS...])
function(sluice_header_library package version target header debian)
  if(version STREQUAL "ANY")
    find_package(${package} QUIET)
  else()
    find_package(${package} ${version} QUIET)
  endif()
  if(${package}_FOUND)
    return()
  endif()
  set(include "${SLUICE_THIRD_PARTY_DIR}/include")
  if(NOT EXISTS "${include}/${header}")
    message(FATAL_ERROR "${package} (${version}) is needed (Debian: ${debian}); set CMAKE_PREFIX_PATH to "
                        "an install of it")
  endif()
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  # Imported include directories are system ones: their warnings are not ours.
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${include}"
                                             INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
  message(STATUS "${package}: the copy bundled in third_party/")
endfunction()

sluice_header_library(nlohmann_json 3.10 nlohmann_json::nlohmann_json nlohmann/json.hpp nlohmann-json3-dev)
sluice_header_library(CLI11 2.1 CLI11::CLI11 CLI/CLI.hpp libcli11-dev)
# fmt without its compiled library: every function inline (FMT_HEADER_ONLY).
sluice_header_library(fmt ANY fmt::fmt fmt/format-inl.h libfmt-dev FMT_HEADER_ONLY=1)
