#pragma once
// A recipe in words, for lists and job details: "low-pass 400 kHz, notch 250 kHz ±5 kHz, noise
// threshold 0.0001". Frequencies in the unit that reads best.
#include "recipe/recipe.hpp"

#include <string>

namespace sluice::recipe {

/// "400 kHz", "1.2 MHz", "50 Hz".
[[nodiscard]] std::string frequency_text(double hz);
/// One filter: "low-pass 400 kHz (roll-off 5 %)", "notch 250 kHz ±5 kHz", ...
[[nodiscard]] std::string filter_text(const signal::FilterSpec& filter);
/// The whole recipe on one line, filters in order, then the threshold.
[[nodiscard]] std::string recipe_summary(const FilterRecipe& recipe);

} // namespace sluice::recipe
