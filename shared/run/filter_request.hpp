#pragma once
// What sluice-engine accepts, checked in one place. The engine refuses a request with exactly these
// messages, and sluice-cli and the submit dialog run the same checks before any byte is uploaded, so a
// job never waits in a queue only to be refused there.
#include "h5/usid.hpp"
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <hdf5.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

inline constexpr std::uint64_t default_block_rows = 256;
inline constexpr std::uint64_t max_block_rows = std::uint64_t{1} << 20;

/// 1 ≤ rows ≤ max_block_rows.
[[nodiscard]] Status check_block_rows(std::uint64_t rows);

/// A dataset path as jobs pass it to the engine: absolute ("/Measurement_000/..."), UTF-8, without
/// empty components. A relative path is made absolute (HDF5 resolves both from the root), which also
/// keeps a name like "--x" from reading as an option on the engine's command line.
[[nodiscard]] Result<std::string> normalize_dataset_path(std::string_view path);

/// A file the engine reads or writes: its name is recorded in the result and in JSON, so it must be
/// UTF-8; `what` names it in the message ("--input").
[[nodiscard]] Status check_file_name(const std::filesystem::path& path, std::string_view what);

struct CheckedRequest {
    h5::MainDataset main;
    recipe::FilterRecipe recipe;
    double sample_rate_hz = 0;
    std::vector<float> composite; ///< empty when the recipe has no frequency filters
};

/// `dataset` in `file` is an h5USID Main dataset Sluice can filter, the recipe fits it (both validation
/// stages, sample rate included) and a row's working memory fits this machine. Recipe errors start with
/// `recipe_name` ("recipe lowpass.json: ...").
[[nodiscard]] Result<CheckedRequest> check_filter_request(hid_t file, std::string_view dataset,
                                                          recipe::FilterRecipe recipe,
                                                          std::string_view recipe_name = "recipe");

} // namespace sluice
