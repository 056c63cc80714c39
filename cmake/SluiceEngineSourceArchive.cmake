# Write the engine's source archive (cmake -P; the engine_source target of SluiceEngineSource.cmake):
# the listed project files, and the header-only libraries the engine needs under third_party/ with
# their licences, staged in a directory and packed with fixed time stamps (same input, same archive).
#   cmake -DSOURCE_DIR=... -DLIST_FILE=... -DSTAGE=... -DOUTPUT=....tar.gz -DMTIME="2026-01-01 00:00:00 UTC"
#         -DHEADER_DIRS="/usr/include/nlohmann;/usr/include/CLI;/usr/include/fmt" -DLICENSES="a;b" -P ...
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${STAGE}")
file(STRINGS "${LIST_FILE}" files)
foreach(f IN LISTS files)
  get_filename_component(dir "${f}" DIRECTORY)
  file(COPY "${SOURCE_DIR}/${f}" DESTINATION "${STAGE}/${dir}")
endforeach()
foreach(dir IN LISTS HEADER_DIRS)
  file(COPY "${dir}" DESTINATION "${STAGE}/third_party/include")
endforeach()
foreach(licence IN LISTS LICENSES)
  # name=path: the licence file of one library, under a name that says which
  string(REGEX MATCH "^([^=]+)=(.*)$" _ "${licence}")
  configure_file("${CMAKE_MATCH_2}" "${STAGE}/third_party/LICENSES/${CMAKE_MATCH_1}" COPYONLY)
endforeach()

file(GLOB_RECURSE staged RELATIVE "${STAGE}" "${STAGE}/*")
list(SORT staged)
list(JOIN staged "\n" staged_text)
file(WRITE "${STAGE}.files" "${staged_text}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf "${OUTPUT}.tar" --format=gnutar "--mtime=${MTIME}"
                        "--files-from=${STAGE}.files"
                WORKING_DIRECTORY "${STAGE}" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND gzip -9nf "${OUTPUT}.tar" COMMAND_ERROR_IS_FATAL ANY)
file(RENAME "${OUTPUT}.tar.gz" "${OUTPUT}")
file(REMOVE_RECURSE "${STAGE}" "${STAGE}.files")
