#include "h5/filter_attributes.hpp"

#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/result_group.hpp"
#include "h5/usid.hpp"
#include "util/memory_budget.hpp"

#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace sluice::h5 {
namespace {

// Attribute names (FILTER_SPEC §6).
constexpr const char* kSampRate = "samp_rate";
constexpr const char* kSignalLength = "signal_length";
constexpr const char* kLowPassCutOff = "low_pass_cut_off";
constexpr const char* kLowPassWidths = "low_pass_widths";
constexpr const char* kBandPassStart = "band_pass_start_freq";
constexpr const char* kBandPassWidth = "band_pass_band_width";
constexpr const char* kHarmonicStart = "harmonic_pass_start_freq";
constexpr const char* kHarmonicWidth = "harmonic_pass_band_width";
constexpr const char* kHarmonicBands = "harmonic_pass_bands";
constexpr const char* kNoiseFreqs = "noise_band_freqs";
constexpr const char* kNoiseWidths = "noise_band_widths";
constexpr const char* kNoiseThreshold = "noise_threshold";

// A filter's attributes: all of them or none. Returns false when the first is absent.
Result<bool> present(hid_t g, const char* first, const char* second) {
    const bool a = has_attribute(g, first);
    if (a != has_attribute(g, second))
        return fail(ErrorKind::bad_input, fmt::format("{} has '{}' but not '{}'", object_path(g),
                                                      a ? first : second, a ? second : first));
    return a;
}

// Both numbers of a filter, or nullopt when the run did not use that filter.
Result<std::optional<std::pair<double, double>>> numbers(hid_t g, const char* first, const char* second) {
    auto has = present(g, first, second);
    if (!has) return propagate(has);
    if (!*has) return std::nullopt;
    auto a = read_double_attribute(g, first), b = read_double_attribute(g, second);
    if (!a || !b) return std::unexpected(!a ? a.error() : b.error());
    return std::pair{*a, *b};
}

Result<std::vector<signal::FilterSpec>> read_filters(hid_t g) {
    // pycroscopy keeps no order between filters of different kinds. Only a low-pass mask holds values
    // other than 0 and 1, so their float32 product (FILTER_SPEC §2.5) is the same in any order; this one
    // lists pass bands before stop bands.
    std::vector<signal::FilterSpec> out;
    auto band = numbers(g, kBandPassStart, kBandPassWidth);
    if (!band) return propagate(band);
    if (*band) out.emplace_back(signal::BandPass{.center_hz = (*band)->first, .width_hz = (*band)->second});
    auto harmonic = numbers(g, kHarmonicStart, kHarmonicWidth);
    if (!harmonic) return propagate(harmonic);
    if (*harmonic) {
        auto n = read_int_attribute(g, kHarmonicBands);
        if (!n) return propagate(n);
        out.emplace_back(signal::HarmonicPass{
            .first_hz = (*harmonic)->first, .band_width_hz = (*harmonic)->second, .num_harmonics = *n});
    }
    auto low = numbers(g, kLowPassCutOff, kLowPassWidths);
    if (!low) return propagate(low);
    if (*low) out.emplace_back(signal::LowPass{.cutoff_hz = (*low)->first, .roll_off = (*low)->second});
    auto has = present(g, kNoiseFreqs, kNoiseWidths);
    if (!has) return propagate(has);
    if (*has) {
        auto f = read_double_array_attribute(g, kNoiseFreqs),
             w = read_double_array_attribute(g, kNoiseWidths);
        if (!f || !w) return std::unexpected(!f ? f.error() : w.error());
        out.emplace_back(signal::NoiseBand{.freqs_hz = std::move(*f), .widths_hz = std::move(*w)});
    }
    return out;
}

Result<std::vector<float>> read_composite(hid_t file, const std::string& path) {
    auto d = open_dataset(file, path);
    if (!d) return propagate(d);
    Dataspace space(H5Dget_space(d->get()));
    hsize_t n = 0;
    if (!space || H5Sget_simple_extent_ndims(space.get()) != 1 ||
        H5Sget_simple_extent_dims(space.get(), &n, nullptr) < 0)
        return fail(ErrorKind::bad_input, path + " is not 1-D");
    if (auto ok = check_memory(path, n, sizeof(float)); !ok) return propagate(ok);
    std::vector<float> v(n);
    if (n > 0 && H5Dread(d->get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        return h5_fail("cannot read " + path);
    return v;
}

// Whether the rebuilt recipe makes the composite the run stored, bit for bit; otherwise why not.
std::string check_composite(hid_t file, const std::string& group_path, const recipe::FilterRecipe& recipe,
                            hid_t g) {
    auto n = read_int_attribute(g, kSignalLength);
    if (!n || *n <= 0) return "the group does not record signal_length, so the filters could not be checked";
    auto built = recipe::validate_for_dataset(recipe, static_cast<std::size_t>(*n), *recipe.sample_rate_hz);
    if (!built) return "Sluice refuses these settings: " + built.error().message;
    const auto path = group_path + "/Composite_Filter";
    if (!path_exists(file, path)) return {};
    auto stored = read_composite(file, path);
    if (!stored) return "the stored Composite_Filter cannot be read: " + stored.error().message;
    if (stored->size() != built->size() ||
        std::memcmp(stored->data(), built->data(), built->size() * sizeof(float)) != 0)
        return "these settings do not reproduce the stored Composite_Filter (a run with two filters of one "
               "kind records only the last one's parameters)";
    return {};
}

} // namespace

Status write_filter_attributes(hid_t group, const recipe::FilterRecipe& recipe, double sample_rate_hz,
                               std::uint64_t points) {
    if (recipe.filters.empty()) return {};
    if (auto s = write_double_attribute(group, kSampRate, sample_rate_hz); !s) return s;
    if (auto s = write_int_attribute(group, kSignalLength, static_cast<std::int64_t>(points)); !s) return s;
    for (const auto& f : recipe.filters) {
        Status s = std::visit(
            [&](const auto& v) -> Status {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, signal::LowPass>) {
                    if (auto r = write_double_attribute(group, kLowPassCutOff, v.cutoff_hz); !r) return r;
                    return write_double_attribute(group, kLowPassWidths, v.roll_off);
                } else if constexpr (std::is_same_v<T, signal::BandPass>) {
                    if (auto r = write_double_attribute(group, kBandPassStart, v.center_hz); !r) return r;
                    return write_double_attribute(group, kBandPassWidth, v.width_hz);
                } else if constexpr (std::is_same_v<T, signal::HarmonicPass>) {
                    if (auto r = write_double_attribute(group, kHarmonicStart, v.first_hz); !r) return r;
                    if (auto r = write_double_attribute(group, kHarmonicWidth, v.band_width_hz); !r) return r;
                    return write_int_attribute(group, kHarmonicBands, v.num_harmonics);
                } else {
                    if (auto r = write_double_array_attribute(group, kNoiseFreqs, v.freqs_hz); !r) return r;
                    return write_double_array_attribute(group, kNoiseWidths, v.widths_hz);
                }
            },
            f);
        if (!s) return s;
    }
    return {};
}

Result<ResultRecipe> read_result_recipe(hid_t file, const std::string& group_path) {
    auto g = open_group(file, group_path);
    if (!g) return propagate(g);
    if (has_attribute(g->get(), "sluice_recipe")) {
        auto text = read_string_attribute(g->get(), "sluice_recipe");
        if (!text) return propagate(text);
        auto recipe = recipe::parse_recipe(*text);
        if (!recipe) return std::unexpected(recipe.error().context(group_path + " sluice_recipe"));
        return ResultRecipe{.recipe = std::move(*recipe), .from_sluice = true, .note = {}};
    }
    auto tool =
        has_attribute(g->get(), "tool") ? read_string_attribute(g->get(), "tool") : Result<std::string>();
    if (!tool || *tool != results_tool)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} is not a results group of FFT filtering (its 'tool' is not {})",
                                group_path, results_tool));
    ResultRecipe out;
    auto filters = read_filters(g->get());
    if (!filters) return propagate(filters);
    out.recipe.filters = std::move(*filters);
    if (has_attribute(g->get(), kNoiseThreshold)) {
        auto tol = read_double_attribute(g->get(), kNoiseThreshold);
        if (!tol) return propagate(tol);
        out.recipe.noise_threshold = *tol;
    }
    if (out.recipe.filters.empty() && !out.recipe.noise_threshold)
        return fail(ErrorKind::bad_input,
                    group_path + " records neither filter parameters nor a noise threshold");
    if (has_attribute(g->get(), kSampRate)) {
        auto fs = read_double_attribute(g->get(), kSampRate);
        if (!fs) return propagate(fs);
        out.recipe.sample_rate_hz = *fs;
    } else if (has_attribute(g->get(), "source_000")) {
        // A threshold alone records no rate (FILTER_SPEC §5); the source's own rate is the one it used.
        if (auto source = read_reference_attribute(g->get(), "source_000"))
            if (auto rate = find_sample_rate(file, *source); rate && *rate)
                out.recipe.sample_rate_hz = (*rate)->hz;
    }
    if (!out.recipe.filters.empty()) {
        if (!out.recipe.sample_rate_hz)
            return fail(ErrorKind::bad_input,
                        fmt::format("{} records filters but no {}", group_path, kSampRate));
        out.note = check_composite(file, group_path, out.recipe, g->get());
    }
    return out;
}

} // namespace sluice::h5
