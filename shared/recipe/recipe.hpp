#pragma once
// FilterRecipe: the one recipe format of GUI, CLI, engine and job directories (DESIGN §4a).
#include "signal/filters.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::recipe {

/// The "format" and "version" every recipe file carries.
inline constexpr std::string_view recipe_format = "sluice-recipe";
inline constexpr int recipe_version = 1;
/// Bands per noise_band filter: the result records them as two float64 attributes, and HDF5 keeps an
/// attribute within 64 KiB.
inline constexpr std::size_t max_noise_bands = 4096;

struct FilterRecipe {
    std::optional<double> sample_rate_hz;    ///< absent → from the file
    std::vector<signal::FilterSpec> filters; ///< empty = the "filters" key is absent (threshold only)
    std::optional<double> noise_threshold;
    friend bool operator==(const FilterRecipe&, const FilterRecipe&) = default;
};

/// Stage 1: parse and validate the recipe alone (types, unknown keys, signs, finite numbers,
/// threshold in (0,1), no empty filter list, at least filters or a threshold).
[[nodiscard]] Result<FilterRecipe> parse_recipe(std::string_view json_text);
[[nodiscard]] Result<FilterRecipe> load_recipe(const std::filesystem::path& path);
/// Every stage-1 problem of a recipe already made of numbers (an editor's), each with its Field, in the
/// words parse_recipe would use for the first of them; empty when parse_recipe(to_json(recipe)) succeeds.
/// The only problem without a field is "nothing to do" (neither filters nor a threshold), always last.
[[nodiscard]] std::vector<Error> recipe_problems(const FilterRecipe& recipe);

/// Pretty JSON (format + version first), which parse_recipe reads back to an equal recipe.
[[nodiscard]] std::string to_json(const FilterRecipe& recipe);
/// Compact JSON with sorted keys: the identity of a recipe for resume checks.
[[nodiscard]] std::string canonical_json(const FilterRecipe& recipe);
/// SHA-256 (hex) of canonical_json.
[[nodiscard]] std::string recipe_hash(const FilterRecipe& recipe);

/// The recipe's rate if given, else the file's; both given and different → error naming both values;
/// neither → error asking for sample_rate_hz.
[[nodiscard]] Result<double> resolve_sample_rate(const FilterRecipe& recipe,
                                                 std::optional<double> file_rate_hz);

/// Stage 2: the recipe against a dataset of rows of n points at fs Hz. Refuses every case where
/// pycroscopy raises or silently wraps a band (FILTER_SPEC policy), naming filter, parameter and bound.
/// On success returns the composite mask (empty when there are no filters).
[[nodiscard]] Result<std::vector<float>> validate_for_dataset(const FilterRecipe& recipe, std::size_t n,
                                                              double fs);
/// Every stage-2 problem (each filter on its own, so one bad filter does not hide another's), each with
/// its Field; the first is validate_for_dataset's error. Empty when validate_for_dataset succeeds.
[[nodiscard]] std::vector<Error> dataset_problems(const FilterRecipe& recipe, std::size_t n, double fs);

} // namespace sluice::recipe
