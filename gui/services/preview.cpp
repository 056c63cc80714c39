#include "services/preview.hpp"

#include "signal/row_filter.hpp"

namespace sluice::gui {

Result<PreviewResult> compute_preview(const PreviewInput& input) {
    if (!input.row || input.row->empty()) return fail(ErrorKind::bad_input, "the pixel has no data");
    const auto& raw = *input.row;
    const std::size_t n = raw.size();
    auto fs = resolve_sample_rate(input.recipe, input.file_rate_hz);
    if (!fs) return std::unexpected(fs.error());
    auto composite = validate_for_dataset(input.recipe, n, *fs);
    if (!composite) return std::unexpected(composite.error());

    PreviewResult out{.row_index = input.row_index,
                      .sample_rate_hz = *fs,
                      .raw = input.row,
                      .filtered = {},
                      .spectrum = std::vector<double>(n),
                      .composite = *composite,
                      .noise_floor = std::nullopt,
                      .filtered_spectrum = {},
                      .stored = false};
    const bool active = !composite->empty() || input.recipe.noise_threshold.has_value();
    // RowFilter needs something to do; for the spectrum of an unfiltered pixel an all-pass mask serves.
    auto filter = active ? RowFilter::create(n, std::move(*composite), input.recipe.noise_threshold)
                         : RowFilter::create(n, std::vector<float>(n, 1.0f), std::nullopt);
    if (!filter) return std::unexpected(filter.error());
    filter->magnitude_spectrum(raw, out.spectrum);
    if (active) {
        out.filtered.resize(n);
        const RowResult r = filter->filter(raw, out.filtered);
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
    auto all_pass = RowFilter::create(stored.size(), std::vector<float>(stored.size(), 1.0f), std::nullopt);
    if (!all_pass) return std::unexpected(all_pass.error());
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
