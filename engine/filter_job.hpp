#pragma once
// The set-up half of `filter`: rank 0 validates everything and creates (or finds) the results group
// with plain serial HDF5, then every rank receives the same FilterJob and runs the block loop.
#include "commands.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace sluice::engine {

struct FilterJob {
    std::filesystem::path target; ///< the file holding the results group (OUT, or IN when in place)
    std::string group_path;
    std::string dataset_path;
    std::uint64_t rows = 0;
    std::uint64_t points = 0;
    double sample_rate_hz = 0;
    std::string recipe_json; ///< canonical JSON; every rank rebuilds the same masks from it
    bool in_place = false;
    bool already_complete = false;
    std::uint64_t rows_done_at_start = 0;
};

/// Rank 0 only. Nothing is written unless every check passed; a standalone OUT appears atomically,
/// fully initialised (temp name, then rename).
[[nodiscard]] Result<FilterJob> prepare_filter_job(const FilterOptions& options);

/// FilterJob (or an error) through a string, for MPI_Bcast.
[[nodiscard]] std::string encode(const Result<FilterJob>& job);
[[nodiscard]] Result<FilterJob> decode(const std::string& wire);

} // namespace sluice::engine
