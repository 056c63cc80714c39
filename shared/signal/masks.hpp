#pragma once
// Mask construction exactly as pycroscopy 0.60.8 builds it (FILTER_SPEC §1–2.5), in fftshift order.
// Where pycroscopy raises, or silently wraps a band past index 0 (slice rule 2), these functions
// return an error naming the filter, the parameter and the bound instead of a mask.
#include "signal/filters.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sluice::signal {

/// N and fs must be whole numbers >= 0 (pycroscopy's "must be an unsigned integer" check). fs = 0 is
/// refused as well: pycroscopy accepts it here but every filter then fails dividing by it.
[[nodiscard]] Status check_length_and_rate(std::size_t n, double fs);

[[nodiscard]] Result<std::vector<float>> low_pass_mask(std::size_t n, double fs, const LowPass& f);
[[nodiscard]] Result<std::vector<float>> band_pass_mask(std::size_t n, double fs, const BandPass& f);
[[nodiscard]] Result<std::vector<std::int16_t>> noise_band_mask(std::size_t n, double fs, const NoiseBand& f);
[[nodiscard]] Result<std::vector<std::int16_t>> harmonic_pass_mask(std::size_t n, double fs,
                                                                   const HarmonicPass& f);

/// Any filter's mask as float32 (int16 masks convert exactly).
[[nodiscard]] Result<std::vector<float>> filter_mask(std::size_t n, double fs, const FilterSpec& f);

/// §2.5 on masks already built: C = f32(m1); C = f32(C * m_i) in list order. Refuses an empty list
/// and masks of different lengths (pycroscopy's "incompatible filters").
[[nodiscard]] Result<std::vector<float>> combine_masks(std::span<const std::vector<float>> masks);

/// A filter's mask error as composite_mask reports it: "filters[i] (type): ...", its field in filter i.
[[nodiscard]] Error filter_error(const Error& e, std::size_t index, const FilterSpec& filter);

/// §2.5: C = f32(m1); C = f32(C * f32(m_i)) in list order. Errors carry the filter's index
/// ("filters[1] (noise_band): ..."). An empty list is an error (pycroscopy's IndexError).
[[nodiscard]] Result<std::vector<float>> composite_mask(std::size_t n, double fs,
                                                        std::span<const FilterSpec> filters);

} // namespace sluice::signal
