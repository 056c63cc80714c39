// FILTER_SPEC §2.5. The product is rounded to float32 after every factor, as numpy's in-place
// `comp *= value` on a float32 array does, so the list order matters where roll-offs overlap.
#include "signal/composite.hpp"

#include <fmt/format.h>

namespace sluice::signal {

Error filter_error(const Error& e, std::size_t index, const FilterSpec& filter) {
    Error out = e.context(fmt::format("filters[{}] ({})", index, filter_type_name(filter)));
    if (!out.field) out.field = Field{};
    out.field->filter = index;
    return out;
}

Result<std::vector<float>> combine_masks(std::span<const std::vector<float>> masks) {
    if (masks.empty())
        return fail(ErrorKind::bad_input, "no filters to combine: omit the filter list instead");
    std::vector<float> out = masks.front(); // a copy: never alias the first filter (pycroscopy's bug)
    for (std::size_t i = 1; i < masks.size(); ++i) {
        if (masks[i].size() != out.size())
            return fail(ErrorKind::bad_input,
                        fmt::format("filters[{}] has {} points but filters[0] has {}: filters "
                                    "must all have the same length",
                                    i, masks[i].size(), out.size()));
        for (std::size_t j = 0; j < out.size(); ++j)
            out[j] = out[j] * masks[i][j];
    }
    return out;
}

Result<std::vector<float>> composite_mask(std::size_t n, double fs, std::span<const FilterSpec> filters) {
    if (filters.empty())
        return fail(ErrorKind::bad_input, "the filter list is empty: omit it to threshold without filters");
    std::vector<std::vector<float>> masks;
    masks.reserve(filters.size());
    for (std::size_t i = 0; i < filters.size(); ++i) {
        auto m = filter_mask(n, fs, filters[i]);
        if (!m) return std::unexpected(filter_error(m.error(), i, filters[i]));
        masks.push_back(std::move(*m));
    }
    return combine_masks(masks);
}

} // namespace sluice::signal
