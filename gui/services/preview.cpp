#include "services/preview.hpp"

#include "signal/row_filter.hpp"

#include <cmath>

namespace sluice::gui {
namespace {

bool usable_rate(std::optional<double> hz) {
    return hz && std::isfinite(*hz) && *hz > 0;
}

// The raw row and its spectrum alone, for a recipe that cannot be applied. The time axis takes the
// file's rate, else the recipe's, else none (sample numbers).
Result<PreviewResult> raw_preview(const PreviewInput& input, std::vector<Error> problems) {
    const std::size_t n = input.row->size();
    const double fs = usable_rate(input.file_rate_hz)            ? *input.file_rate_hz
                      : usable_rate(input.recipe.sample_rate_hz) ? *input.recipe.sample_rate_hz
                                                                 : 0.0;
    PreviewResult out{.row_index = input.row_index,
                      .sample_rate_hz = fs,
                      .raw = input.row,
                      .filtered = {},
                      .spectrum = std::vector<double>(n),
                      .composite = {},
                      .noise_floor = std::nullopt,
                      .filtered_spectrum = {},
                      .stored = false,
                      .problems = std::move(problems)};
    auto all_pass = signal::RowFilter::create(n, std::vector<float>(n, 1.0f), std::nullopt);
    if (!all_pass) return propagate(all_pass);
    all_pass->magnitude_spectrum(*input.row, out.spectrum);
    return out;
}

} // namespace

Result<PreviewResult> compute_preview(const PreviewInput& input) {
    if (!input.row || input.row->empty()) return fail(ErrorKind::bad_input, "the pixel has no data");
    const auto& raw = *input.row;
    const std::size_t n = raw.size();
    auto fs = recipe::resolve_sample_rate(input.recipe, input.file_rate_hz);
    if (!fs) return raw_preview(input, {fs.error()});
    auto composite = recipe::validate_for_dataset(input.recipe, n, *fs);
    if (!composite) {
        // Only now, on the failure path: list every problem, not just the first (same first message).
        auto problems = recipe::dataset_problems(input.recipe, n, *fs);
        if (problems.empty()) problems.push_back(composite.error());
        return raw_preview(input, std::move(problems));
    }

    PreviewResult out{.row_index = input.row_index,
                      .sample_rate_hz = *fs,
                      .raw = input.row,
                      .filtered = {},
                      .spectrum = std::vector<double>(n),
                      .composite = *composite,
                      .noise_floor = std::nullopt,
                      .filtered_spectrum = {},
                      .stored = false,
                      .problems = {}};
    const bool active = !composite->empty() || input.recipe.noise_threshold.has_value();
    // RowFilter needs something to do; for the spectrum of an unfiltered pixel an all-pass mask serves.
    auto filter = active ? signal::RowFilter::create(n, std::move(*composite), input.recipe.noise_threshold)
                         : signal::RowFilter::create(n, std::vector<float>(n, 1.0f), std::nullopt);
    if (!filter) return propagate(filter);
    filter->magnitude_spectrum(raw, out.spectrum);
    if (active) {
        out.filtered.resize(n);
        const signal::RowResult r = filter->filter(raw, out.filtered);
        if (input.recipe.noise_threshold) out.noise_floor = r.noise_floor;
    }
    return out;
}

Result<PreviewResult> compute_comparison(const PreviewInput& input, std::vector<double> stored,
                                         std::optional<double> stored_floor) {
    auto out = compute_preview(input);
    if (!out) return out;
    if (stored.size() != out->raw->size())
        return fail(ErrorKind::bad_input, "the result's rows have another length than the source's");
    auto all_pass =
        signal::RowFilter::create(stored.size(), std::vector<float>(stored.size(), 1.0f), std::nullopt);
    if (!all_pass) return propagate(all_pass);
    out->filtered_spectrum.resize(stored.size());
    all_pass->magnitude_spectrum(stored, out->filtered_spectrum);
    out->filtered = std::move(stored);
    out->noise_floor = stored_floor;
    out->stored = true;
    return out;
}

double shifted_bin_frequency(std::size_t i, std::size_t n, double fs) {
    const auto offset = static_cast<double>(i) - static_cast<double>(n / 2);
    return offset * fs / static_cast<double>(n);
}

} // namespace sluice::gui
