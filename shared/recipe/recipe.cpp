// Loading a recipe file, its identity (hash) and the choice of sample rate between recipe and file.
#include "recipe/recipe.hpp"

#include "util/sha256.hpp"

#include <cerrno>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sluice::recipe {

Result<FilterRecipe> load_recipe(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return fail(ErrorKind::io, fmt::format("cannot read recipe {}: it is a directory", path.string()));
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorKind::io, fmt::format("cannot open recipe {}: {}", path.string(),
                                               std::generic_category().message(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail(ErrorKind::io, fmt::format("cannot read recipe {}", path.string()));
    auto recipe = parse_recipe(text.str());
    if (!recipe) return std::unexpected(recipe.error().context(path.string()));
    return recipe;
}

std::string recipe_hash(const FilterRecipe& recipe) {
    return sha256_hex(canonical_json(recipe));
}

Result<double> resolve_sample_rate(const FilterRecipe& recipe, std::optional<double> file_rate_hz) {
    // A file rate that is not a positive number is as good as none: the recipe's may stand in for it.
    const Field rate_field{{}, "sample_rate_hz", {}};
    const bool file_usable = file_rate_hz && std::isfinite(*file_rate_hz) && *file_rate_hz > 0;
    if (recipe.sample_rate_hz) {
        // Exact comparison on purpose: the masks depend on every bit of fs.
        if (file_usable && *file_rate_hz != *recipe.sample_rate_hz) {
            return fail(ErrorKind::bad_input,
                        fmt::format("recipe sample_rate_hz = {} Hz differs from the file's {} Hz: remove "
                                    "sample_rate_hz from the recipe or make it match",
                                    *recipe.sample_rate_hz, *file_rate_hz),
                        rate_field);
        }
        return *recipe.sample_rate_hz;
    }
    if (file_usable) return *file_rate_hz;
    if (file_rate_hz) {
        return fail(
            ErrorKind::bad_input,
            fmt::format("the file's sample rate ({} Hz) is not usable: set sample_rate_hz in the recipe",
                        *file_rate_hz),
            rate_field);
    }
    return fail(ErrorKind::bad_input,
                "the file does not give its sample rate: set sample_rate_hz in the recipe", rate_field);
}

} // namespace sluice::recipe
