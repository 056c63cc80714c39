#pragma once
// The engine's subcommands as library functions; main.cpp only parses the command line.
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::engine {

struct SynthOptions {
    std::filesystem::path output;
    std::uint64_t rows = 0;
    std::uint64_t points = 0;
    double rate_hz = 0;
    std::uint64_t seed = 1;
};
/// Write a deterministic, realistic h5USID file (DESIGN §4b). Refuses to overwrite an existing file.
[[nodiscard]] Status run_synth(const SynthOptions& options);

struct InspectOptions {
    std::filesystem::path file;
    bool json = false;
};
/// Print the file's tree (shapes, dtypes, attributes, Main datasets) to stdout.
[[nodiscard]] Status run_inspect(const InspectOptions& options);

/// How ranks write their rows (every rank's rows are one contiguous range).
enum class WriteMode { independent, collective };

/// Rows [first, first + count) of the dataset.
struct RowRange {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

struct FilterOptions {
    std::filesystem::path input;
    std::string dataset;
    std::filesystem::path recipe;
    std::optional<std::filesystem::path> output; ///< nullopt → --in-place
    std::uint64_t block_rows = 256;
    std::optional<std::filesystem::path> progress;
    std::optional<double> time_limit_s;
    bool resume = true;
    std::optional<std::string> source_sha256;
    bool quiet = false;
    std::optional<std::filesystem::path> stats; ///< per-phase timing JSON, written by rank 0 at the end
    double checkpoint_seconds = 10;             ///< make results durable at least this often
    WriteMode write_mode = WriteMode::independent;
    bool overlap = true; ///< read the next block and write the last one while computing the current one
    std::optional<RowRange> rows; ///< filter only these rows (a partial, scratch result)
};
/// Exit code semantics: success → 0; ErrorKind::cancelled → 3 (stopped, resumable); bad input → 2.
[[nodiscard]] Status run_filter(const FilterOptions& options);

struct MergeOptions {
    std::filesystem::path result;
    std::filesystem::path into;
};
[[nodiscard]] Status run_merge(const MergeOptions& options);

/// DESIGN §5 exit codes for an error.
[[nodiscard]] int exit_code_for(const Error& e);

} // namespace sluice::engine
