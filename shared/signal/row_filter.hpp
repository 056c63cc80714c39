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

namespace sluice {

/// Working memory per point of a row (input and output rows, FFT buffers, masks), for budget checks.
inline constexpr std::uint64_t row_bytes_per_point = 64;

struct RowResult {
    double noise_floor = 0; ///< in double; 0 when thresholding is off or the floor collapsed
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

    /// Filter one row: in and out have length() values (may alias).
    RowResult filter(std::span<const double> in, std::span<double> out);

    /// |FFT(x)| in fftshift order (length n) of an unfiltered row, for the preview's spectrum plot.
    void magnitude_spectrum(std::span<const double> in, std::span<double> out_shifted);

private:
    struct Impl;
    explicit RowFilter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace sluice
