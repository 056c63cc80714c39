#pragma once
// FILTER_SPEC §3 per-row processing with FFTW in double. One RowFilter per thread/rank; it owns its
// plans and buffers (RAII) and reuses them for every row. Plans use FFTW_ESTIMATE so that every rank
// and every run computes bit-identical rows (resume and 1-rank == 2-rank depend on it).
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace sluice::signal {

/// Working memory per point of a row (input and output rows, FFT buffers, masks), for budget checks.
inline constexpr std::uint64_t row_bytes_per_point = 64;

struct RowResult {
    double noise_floor = 0; ///< in double; 0 when thresholding is off or the floor collapsed
};

/// Seconds spent per part of filter(), added up over rows (for `sluice-engine filter --stats`).
struct RowTiming {
    double convert_s = 0;     ///< input into the FFT buffer and the result out of it (type conversion)
    double fft_mask_s = 0;    ///< both transforms, the mask and the threshold replacement
    double noise_floor_s = 0; ///< squared magnitudes and the §4 iteration
};

class RowFilter {
public:
    /// composite: float32 mask of length n in fftshift order, or empty for "no frequency filters".
    /// noise_threshold: tol in (0,1), or nullopt for no thresholding. At least one must be present.
    [[nodiscard]] static Result<RowFilter> create(std::size_t n, std::vector<float> composite,
                                                  std::optional<double> noise_threshold);
    ~RowFilter();
    RowFilter(RowFilter&&) noexcept;
    RowFilter& operator=(RowFilter&&) noexcept;

    [[nodiscard]] std::size_t length() const;

    /// Filter one row: in and out have length() values (may alias). With `timing`, the time of each part
    /// is added to it.
    RowResult filter(std::span<const double> in, std::span<double> out, RowTiming* timing = nullptr);
    /// The same for float32 rows (the common dataset type): converted into and out of the transform's
    /// double buffer directly, with exactly the values of the double overload (float -> double is exact,
    /// the result is rounded to nearest once).
    RowResult filter(std::span<const float> in, std::span<float> out, RowTiming* timing = nullptr);

    /// |FFT(x)| in fftshift order (length n) of an unfiltered row, for the preview's spectrum plot.
    void magnitude_spectrum(std::span<const double> in, std::span<double> out_shifted);

private:
    struct Impl;
    explicit RowFilter(std::unique_ptr<Impl> impl);
    template <class T>
    RowResult run(std::span<const T> in, std::span<T> out, RowTiming* timing);
    std::unique_ptr<Impl> impl_;
};

} // namespace sluice::signal
