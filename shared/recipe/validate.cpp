// Stage 2: the recipe against a dataset. Deliberately thin: the mask code is the single place that knows
// when pycroscopy would raise or wrap a band, so building the composite is the check.
#include "recipe/recipe.hpp"
#include "signal/masks.hpp"
#include "signal/row_filter.hpp"
#include "util/memory_budget.hpp"

#include <fmt/format.h>

namespace sluice::recipe {

namespace {

// The checks of the whole dataset that come before any filter.
Status check_dataset(std::size_t n, double fs) {
    if (n == 0)
        return fail(ErrorKind::bad_input, "the dataset's rows have no points (N = 0): nothing to filter");
    if (auto ok = signal::check_length_and_rate(n, fs); !ok) return ok;
    // Before any mask or row buffer of n values exists: a damaged file can declare any length.
    return check_memory(fmt::format("filtering rows of {} points", grouped(n)), n,
                        signal::row_bytes_per_point);
}

} // namespace

std::vector<Error> dataset_problems(const FilterRecipe& recipe, std::size_t n, double fs) {
    if (auto ok = check_dataset(n, fs); !ok) return {ok.error()};
    std::vector<Error> out;
    for (std::size_t i = 0; i < recipe.filters.size(); ++i)
        if (auto m = signal::filter_mask(n, fs, recipe.filters[i]); !m)
            out.push_back(signal::filter_error(m.error(), i, recipe.filters[i]));
    return out;
}

Result<std::vector<float>> validate_for_dataset(const FilterRecipe& recipe, std::size_t n, double fs) {
    if (auto ok = check_dataset(n, fs); !ok) return propagate(ok);
    if (recipe.filters.empty()) return std::vector<float>{};
    return signal::composite_mask(n, fs, recipe.filters);
}

} // namespace sluice::recipe
