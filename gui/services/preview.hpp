#pragma once
// What the plots show for one pixel, computed by shared/signal exactly as the engine computes it.
// Qt-free so that it can run on any worker thread.
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sluice::gui {

struct PreviewInput {
    std::shared_ptr<const std::vector<double>> row; ///< the raw signal of one pixel
    std::uint64_t row_index = 0;
    std::optional<double> file_rate_hz;
    recipe::FilterRecipe recipe; ///< already past stage 1; may have neither filters nor threshold (raw view)
};

struct PreviewResult {
    std::uint64_t row_index = 0;
    double sample_rate_hz = 0; ///< 0: no usable rate, plot against sample number
    std::shared_ptr<const std::vector<double>> raw;
    std::vector<double> filtered; ///< empty when the recipe does nothing yet
    std::vector<double> spectrum; ///< |FFT(raw)| in fftshift order
    std::vector<float> composite; ///< fftshift order; empty without frequency filters
    std::optional<double> noise_floor;
    /// A comparison: `filtered` and `noise_floor` were read from a result file, not computed, and this
    /// is |FFT| of that stored row (empty in a preview).
    std::vector<double> filtered_spectrum;
    bool stored = false;
    /// Why the recipe could not be applied (stage 2, every bad field): then this is the raw row and its
    /// spectrum only, with no mask or filtered curve. Empty when the recipe applied (or was empty).
    std::vector<Error> problems;
};

/// Stage 2 (sample rate, then the recipe against N and fs) and the row through RowFilter. A recipe that
/// fails stage 2 still gives the raw row and its spectrum, with the reasons in `problems`: the data is
/// never hidden behind a recipe error. Errors are left for an empty row or a failed allocation.
[[nodiscard]] Result<PreviewResult> compute_preview(const PreviewInput& input);

/// The source's row against a result's stored Filtered_Data row (and stored noise floor): the raw
/// spectrum and the recipe's mask as in a preview, the stored row and its spectrum instead of a
/// computed filtered signal.
[[nodiscard]] Result<PreviewResult> compute_comparison(const PreviewInput& input, std::vector<double> stored,
                                                       std::optional<double> stored_floor);

/// Frequency of bin i of an fftshift-ordered spectrum of n points at fs (numpy's fftshift(fftfreq)).
[[nodiscard]] double shifted_bin_frequency(std::size_t i, std::size_t n, double fs);

} // namespace sluice::gui
