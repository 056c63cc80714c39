#pragma once
// The smallest test harness that needs nothing but the C++ library, for the tests in tests/core: they
// build wherever the engine builds (the engine-only preset, a cluster's login node) to show that this
// build's FFTW and HDF5 reproduce pycroscopy's numbers. A failed CHECK prints where and why and makes
// the program exit 1; the rest of the test goes on, so one run shows every difference.
#include <cstdio>
#include <exception>
#include <string>

namespace sluice::coretest {

inline int& failures() {
    static int count = 0;
    return count;
}

inline void fail(const char* file, int line, const std::string& what) {
    ++failures();
    std::fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what.c_str());
}

/// Runs `body` (reporting an escaped exception as a failure) and returns main's exit code.
template <typename Body>
int run(const char* name, Body body) {
    try {
        body();
    } catch (const std::exception& e) {
        fail(name, 0, std::string("exception: ") + e.what());
    }
    std::printf("%s: %s\n", name, failures() ? "FAILED" : "passed");
    return failures() ? 1 : 0;
}

} // namespace sluice::coretest

#define CORE_CHECK(cond, what)                                                                               \
    do {                                                                                                     \
        if (!(cond)) ::sluice::coretest::fail(__FILE__, __LINE__, std::string(#cond) + ": " + (what));       \
    } while (0)
