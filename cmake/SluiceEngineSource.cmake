# The engine's source archive, sluice-engine-<version>-source.tar.gz: what `sluice-cli engine deploy`
# uploads to a cluster and builds there with the engine preset's options against the cluster's own MPI,
# parallel HDF5 and FFTW (docs/ADMIN.md). Only what an engine-only configure reads: the top-level CMake
# files, shared/ (the client sources in it are skipped by SLUICE_ENGINE_ONLY), engine/, the benchmark
# the top level names, the Lmod template, and third_party/: the nlohmann-json, CLI11 and fmt headers.
# Installed with the desktop package.
set(SLUICE_ENGINE_SOURCE_NAME "sluice-engine-${PROJECT_VERSION}-source.tar.gz")
set(SLUICE_ENGINE_SOURCE "${PROJECT_BINARY_DIR}/${SLUICE_ENGINE_SOURCE_NAME}")

file(GLOB_RECURSE engine_source_files RELATIVE "${PROJECT_SOURCE_DIR}" CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/shared/*" "${PROJECT_SOURCE_DIR}/engine/*" "${PROJECT_SOURCE_DIR}/cmake/*.cmake"
     "${PROJECT_SOURCE_DIR}/packaging/lmod/*")
list(APPEND engine_source_files CMakeLists.txt CMakePresets.json bench/CMakeLists.txt bench/engine/limit.cpp)
list(SORT engine_source_files)
list(TRANSFORM engine_source_files PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE engine_source_paths)

# The header-only libraries as this build found them, for clusters without them (SluiceThirdParty.cmake),
# with the licence files of Debian's packages where those are there.
set(header_dirs "")
set(licences "")
foreach(entry "nlohmann_json::nlohmann_json|nlohmann|nlohmann-json3-dev" "CLI11::CLI11|CLI|libcli11-dev"
              "fmt::fmt|fmt|libfmt-dev")
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 target)
  list(GET entry 1 subdir)
  list(GET entry 2 debian)
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  foreach(d IN LISTS dirs)
    if(EXISTS "${d}/${subdir}")
      list(APPEND header_dirs "${d}/${subdir}")
      break()
    endif()
  endforeach()
  if(EXISTS "/usr/share/doc/${debian}/copyright")
    list(APPEND licences "${debian}.copyright=/usr/share/doc/${debian}/copyright")
  endif()
endforeach()

set(list_file "${PROJECT_BINARY_DIR}/engine-source-files.txt")
list(JOIN engine_source_files "\n" list_text)
file(CONFIGURE OUTPUT "${list_file}" CONTENT "${list_text}\n")
add_custom_command(
  OUTPUT "${SLUICE_ENGINE_SOURCE}"
  COMMAND ${CMAKE_COMMAND} "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}" "-DLIST_FILE=${list_file}"
          "-DSTAGE=${PROJECT_BINARY_DIR}/engine-source-stage" "-DOUTPUT=${SLUICE_ENGINE_SOURCE}"
          "-DMTIME=${SLUICE_RELEASE_DATE} 00:00:00 UTC" "-DHEADER_DIRS=${header_dirs}" "-DLICENSES=${licences}"
          -P "${PROJECT_SOURCE_DIR}/cmake/SluiceEngineSourceArchive.cmake"
  DEPENDS ${engine_source_paths} "${list_file}" "${PROJECT_SOURCE_DIR}/cmake/SluiceEngineSourceArchive.cmake"
  COMMENT "Engine source archive ${SLUICE_ENGINE_SOURCE_NAME}"
  VERBATIM)
add_custom_target(engine_source ALL DEPENDS "${SLUICE_ENGINE_SOURCE}")
install(FILES "${SLUICE_ENGINE_SOURCE}" DESTINATION "${CMAKE_INSTALL_DATADIR}/sluice" COMPONENT desktop)
