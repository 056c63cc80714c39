# The engine's source archive, sluice-engine-<version>-source.tar.gz: what `sluice-cli engine deploy`
# uploads to a cluster and builds there with the engine preset's options against the cluster's own MPI,
# parallel HDF5 and FFTW (docs/ADMIN.md). Only what an engine-only configure reads: the top-level CMake
# files, shared/ (the client sources in it are skipped by SLUICE_ENGINE_ONLY), engine/, the benchmark
# the top level names, and the Lmod template. Installed with the desktop package, next to its docs.
set(SLUICE_ENGINE_SOURCE_NAME "sluice-engine-${PROJECT_VERSION}-source.tar.gz")
set(SLUICE_ENGINE_SOURCE "${PROJECT_BINARY_DIR}/${SLUICE_ENGINE_SOURCE_NAME}")

file(GLOB_RECURSE engine_source_files RELATIVE "${PROJECT_SOURCE_DIR}" CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/shared/*" "${PROJECT_SOURCE_DIR}/engine/*" "${PROJECT_SOURCE_DIR}/cmake/*.cmake"
     "${PROJECT_SOURCE_DIR}/packaging/lmod/*")
list(APPEND engine_source_files CMakeLists.txt CMakePresets.json bench/CMakeLists.txt bench/engine/limit.cpp)
list(SORT engine_source_files)
list(TRANSFORM engine_source_files PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE engine_source_paths)

# The file list goes through a file: no command-line length limit, and the archive's order is fixed.
set(list_file "${PROJECT_BINARY_DIR}/engine-source-files.txt")
list(JOIN engine_source_files "\n" list_text)
file(CONFIGURE OUTPUT "${list_file}" CONTENT "${list_text}\n")
# Fixed time stamps (the commit's date when known) and gzip -n: the same sources give the same archive.
add_custom_command(
  OUTPUT "${SLUICE_ENGINE_SOURCE}"
  COMMAND ${CMAKE_COMMAND} -E tar cf "${PROJECT_BINARY_DIR}/engine-source.tar" --format=gnutar
          "--mtime=${SLUICE_RELEASE_DATE} 00:00:00 UTC" "--files-from=${list_file}"
  COMMAND gzip -9nf "${PROJECT_BINARY_DIR}/engine-source.tar"
  COMMAND ${CMAKE_COMMAND} -E rename "${PROJECT_BINARY_DIR}/engine-source.tar.gz" "${SLUICE_ENGINE_SOURCE}"
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  DEPENDS ${engine_source_paths} "${list_file}"
  COMMENT "Engine source archive ${SLUICE_ENGINE_SOURCE_NAME}"
  VERBATIM)
add_custom_target(engine_source ALL DEPENDS "${SLUICE_ENGINE_SOURCE}")
install(FILES "${SLUICE_ENGINE_SOURCE}" DESTINATION "${CMAKE_INSTALL_DATADIR}/sluice" COMPONENT desktop)
