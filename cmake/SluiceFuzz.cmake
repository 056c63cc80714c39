# The fuzz build (CMakePresets.json: fuzz): clang from Debian 12 with libFuzzer, ASan and UBSan.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SLUICE_FUZZ needs clang (libFuzzer): use the fuzz preset "
                      "(apt-get install clang-16 libclang-rt-16-dev llvm-16).")
endif()
# libstdc++ 12 offers <expected> only when __cpp_concepts >= 202002L. Clang 16 implements what that
# guard stands for (P0848, conditionally trivial special members) but still reports 201907L.
add_compile_options(-D__cpp_concepts=202002L -Wno-macro-redefined)
