#pragma once
// The pycroscopy-compatible results group (FILTER_SPEC §6 with Sluice's policy): naming, creation with
// every dataset allocated up front (contiguous, early allocation) and every attribute written, lookup of
// an existing group to resume, and the final attributes.
#include "h5/usid.hpp"
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <optional>
#include <string>
#include <vector>

namespace sluice::h5 {

inline constexpr const char* results_tool = "FFT_Filtering";

/// Who wrote the group; computed once (rank 0) so that every attribute value is the same everywhere.
struct Bookkeeping {
    std::string machine_id; ///< fully qualified host name
    std::string timestamp;  ///< local time, YYYY_MM_DD-HH_MM_SS
    std::string platform;   ///< like Python's platform.platform()
    [[nodiscard]] static Bookkeeping now();
};

/// Identity of a run: what a resume must match (DESIGN §5).
struct RunIdentity {
    std::string recipe_hash;          ///< recipe_hash() of the recipe
    std::string recipe_json;          ///< canonical JSON, for people reading the file
    std::uint64_t source_size = 0;    ///< bytes of the source file when the run started
    std::int64_t source_mtime_ns = 0; ///< its modification time
    std::optional<std::string> source_sha256;
    std::string source_file; ///< as given on the command line (standalone results only)
};

enum class ResultMode {
    in_place,   ///< group inside the source file, exactly FILTER_SPEC §6 (source_000 → S)
    standalone, ///< group in its own file beside copies of the ancillaries; sluice_source_* name S
};

struct ResultGroupPlan {
    ResultMode mode = ResultMode::standalone;
    MainDataset source; ///< the Main dataset being filtered (paths are in the source file)
    recipe::FilterRecipe recipe;
    double sample_rate_hz = 0;
    std::vector<float> composite; ///< empty when there are no frequency filters
    Bookkeeping book;
    RunIdentity identity;
};

/// "<parent>/<name>-FFT_Filtering_<NNN>" with NNN = 1 + the largest index among existing sibling
/// groups with that prefix, or 000 (gaps are not reused).
[[nodiscard]] Result<std::string> next_result_group_path(hid_t file, const std::string& dataset_path);

/// Create the group and all its datasets and attributes in `target` (which may be the source file).
/// For standalone results, `source` is the source file, used to copy the ancillary datasets into
/// `target` at the same paths. Returns the group's path.
[[nodiscard]] Result<std::string> create_result_group(hid_t target, hid_t source, const ResultGroupPlan& plan,
                                                      const std::string& group_path);

/// Progress stored in an existing group.
struct ExistingResult {
    std::string group_path;
    std::uint64_t rows_done = 0;
    std::uint64_t rows_total = 0;
    [[nodiscard]] bool complete() const { return rows_done == rows_total; }
};

/// Groups of this dataset in `file` that were written by Sluice with the same recipe hash (the newest
/// match wins); nullopt when none.
[[nodiscard]] Result<std::optional<ExistingResult>>
find_matching_result(hid_t file, const std::string& dataset_path, const std::string& recipe_hash);

/// Read a group's completed_positions summary.
[[nodiscard]] Result<ExistingResult> read_result_progress(hid_t file, const std::string& group_path);

/// Check that a standalone result's recorded identity matches this run; the error names the mismatch.
[[nodiscard]] Status check_identity(hid_t file, const std::string& group_path, const MainDataset& source,
                                    const RunIdentity& identity);

/// Find the one results group in a standalone result file.
[[nodiscard]] Result<std::string> find_standalone_group(hid_t file);

/// The end-of-run attribute: last_pixel = P.
[[nodiscard]] Status finish_result_group(hid_t file, const std::string& group_path, std::uint64_t rows);

} // namespace sluice::h5
