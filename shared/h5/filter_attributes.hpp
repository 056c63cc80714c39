#pragma once
// The filter parameters of a results group as pycroscopy's SignalFilter records them (FILTER_SPEC §6):
// written by the engine, read back by BrowseFile as the recipe a group was made with. Writer and reader
// sit together so that they name the same attributes.
#include "h5/browse.hpp"
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <string>

namespace sluice::h5 {

/// samp_rate, signal_length and one attribute per filter parameter (nothing without filters). Later
/// filters of one kind overwrite earlier ones' attributes, as in pycroscopy.
[[nodiscard]] Status write_filter_attributes(hid_t group, const recipe::FilterRecipe& recipe,
                                             double sample_rate_hz, std::uint64_t points);

/// The recipe of the results group at `group_path`: its sluice_recipe when Sluice wrote it, otherwise
/// rebuilt from the parameter attributes and checked against the stored Composite_Filter.
[[nodiscard]] Result<ResultRecipe> read_result_recipe(hid_t file, const std::string& group_path);

} // namespace sluice::h5
