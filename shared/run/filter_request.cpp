#include "run/filter_request.hpp"

#include "util/memory_budget.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

namespace sluice {

Status check_block_rows(std::uint64_t rows) {
    if (rows >= 1 && rows <= max_block_rows) return {};
    return fail(ErrorKind::bad_input,
                fmt::format("block rows: {} is not between 1 and {}", rows, grouped(max_block_rows)));
}

Result<std::string> normalize_dataset_path(std::string_view path) {
    if (auto st = require_utf8(path, "the dataset path"); !st) return propagate(st);
    if (path.find('\0') != std::string_view::npos)
        return fail(ErrorKind::bad_input, "the dataset path contains a NUL character");
    std::string out;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        if (next > pos) {
            out += '/';
            out.append(path.substr(pos, next - pos));
        }
        pos = next + 1;
    }
    if (out.empty())
        return fail(ErrorKind::bad_input, fmt::format("the dataset path '{}' names no dataset (e.g. "
                                                      "/Measurement_000/Channel_000/Raw_Data)",
                                                      path));
    return out;
}

Status check_file_name(const std::filesystem::path& path, std::string_view what) {
    auto st = require_utf8(path.native(), what);
    if (!st) st.error().message += "; rename the file (or copy it under a UTF-8 name)";
    return st;
}

Result<CheckedRequest> check_filter_request(hid_t file, std::string_view dataset, recipe::FilterRecipe recipe,
                                            std::string_view recipe_name) {
    auto path = normalize_dataset_path(dataset);
    if (!path) return propagate(path);
    auto main = h5::read_main_dataset(file, *path);
    if (!main) return propagate(main);
    if (!main->not_filterable.empty())
        return fail(ErrorKind::bad_input,
                    fmt::format("{} cannot be filtered: {}", main->path, main->not_filterable));
    auto rate = recipe::resolve_sample_rate(recipe, main->sample_rate_hz);
    if (!rate) return std::unexpected(rate.error().context(recipe_name));
    auto composite = recipe::validate_for_dataset(recipe, main->points, *rate);
    if (!composite) return std::unexpected(composite.error().context(recipe_name));
    return CheckedRequest{std::move(*main), std::move(recipe), *rate, std::move(*composite)};
}

} // namespace sluice
