# A man page generated from a program's own --help and --version (cmake -P, run by the build), so the
# page cannot drift from the program: help2man formats the top-level help, and every subcommand that
# the help lists (recursively: `sluice-cli profile add`) gets its --help verbatim in a COMMANDS section.
#   cmake -DPROGRAM=<built executable> -DNAME=<one-line description> -DOUTPUT=<page.1>
#         -DSEE_ALSO=<"a(1), b(1)"> [-DQT_OFFSCREEN=ON] -P SluiceManPage.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var PROGRAM NAME OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "SluiceManPage.cmake: ${var} is required")
  endif()
endforeach()
find_program(HELP2MAN help2man REQUIRED)

get_filename_component(dir "${PROGRAM}" DIRECTORY)
get_filename_component(prog "${PROGRAM}" NAME)
# Run by name from PATH so that the usage lines say `sluice-cli`, not the build tree's path.
# ASan builds (dev preset): Qt and OpenMPI keep allocations until exit, which is not a leak of ours.
set(env "PATH=${dir}:$ENV{PATH}" "LC_ALL=C.UTF-8" "ASAN_OPTIONS=detect_leaks=0")
if(QT_OFFSCREEN)
  # Qt wants a private runtime directory; a missing one only costs a warning, but warnings are noise.
  set(runtime "${OUTPUT}.runtime")
  file(MAKE_DIRECTORY "${runtime}")
  file(CHMOD "${runtime}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  list(APPEND env "QT_QPA_PLATFORM=offscreen" "XDG_RUNTIME_DIR=${runtime}")
endif()

# roff for a verbatim block: backslashes escaped, lines that start with . or ' protected.
function(roff_verbatim text out_var)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out_var} ".nf\n${text}.fi\n" PARENT_SCOPE)
endfunction()

# The names listed under "Subcommands:" in a CLI11 help text.
function(subcommands_of help out_var)
  set(names "")
  set(in_list FALSE)
  string(REPLACE "\n" ";" lines "${help}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^Subcommands:")
      set(in_list TRUE)
    elseif(in_list AND line MATCHES "^  ([a-z][a-z0-9-]*)( |$)")
      list(APPEND names "${CMAKE_MATCH_1}")
    elseif(in_list AND NOT line MATCHES "^ ")
      set(in_list FALSE)
    endif()
  endforeach()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

set(commands "")
function(describe_subcommands prefix help)
  subcommands_of("${help}" names)
  foreach(name IN LISTS names)
    set(words ${prefix} ${name})
    execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${prog} ${words} --help
                    OUTPUT_VARIABLE sub_help RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${prog} ${words} --help failed (${rc})")
    endif()
    list(JOIN words " " title)
    roff_verbatim("${sub_help}" block)
    string(APPEND commands ".SS \"${prog} ${title}\"\n${block}")
    describe_subcommands("${words}" "${sub_help}")
  endforeach()
  set(commands "${commands}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${prog} --help OUTPUT_VARIABLE top_help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${prog} --help failed (${rc})")
endif()
describe_subcommands("" "${top_help}")

set(include "${OUTPUT}.h2m")
set(text "")
if(commands)
  string(APPEND text "[COMMANDS]\nEach command's own --help:\n${commands}\n")
endif()
if(DEFINED SEE_ALSO)
  string(APPEND text "[SEE ALSO]\n${SEE_ALSO}\n")
endif()
set(include_arg "")
if(text)
  file(WRITE "${include}" "${text}")
  set(include_arg "--include=${include}")
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env ${env} ${HELP2MAN} --no-info --section=1 "--name=${NAME}"
          ${include_arg} "--output=${OUTPUT}.tmp" ${prog}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man ${prog} failed (${rc})")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${include}")
if(QT_OFFSCREEN)
  file(REMOVE_RECURSE "${runtime}")
endif()
