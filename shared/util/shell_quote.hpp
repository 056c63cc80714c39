#pragma once
// The ONE audited place where values become shell words. Every string that reaches a shell
// (remote scripts, job scripts, mpirun command lines) goes through shell_quote.
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// POSIX single-quote a value so that sh/bash/dash treat it as one literal word, whatever it holds
/// ($(), backticks, quotes, newlines, non-ASCII). Empty string → ''.
[[nodiscard]] std::string shell_quote(std::string_view value);

/// Quote every word and join with single spaces: a command line for `sh -c` or a script line.
[[nodiscard]] std::string shell_join(const std::vector<std::string>& words);

} // namespace sluice
