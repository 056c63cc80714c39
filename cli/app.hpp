#pragma once
// sluice-cli as a library: the whole command line, parsed and run, printing to the given streams. The
// executable is a thin main over it; tests call it in-process.
#include <cstdio>

namespace sluice::cli {

/// Exit code: 0 done, 1 a failure (connection, server, disk), 2 bad input or a refusal, 130 interrupted.
int run(int argc, const char* const* argv, std::FILE* out = stdout, std::FILE* err = stderr);

} // namespace sluice::cli
