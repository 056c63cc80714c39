#pragma once
// Python slice semantics (FILTER_SPEC §1.1) for `mask[a:b] = value`, step 1.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice::signal {

struct SliceRange {
    std::ptrdiff_t lo = 0; ///< first element written
    std::ptrdiff_t hi = 0; ///< one past the last; hi <= lo means nothing is written
    bool wrapped = false;  ///< a bound was negative and was moved by +n (rule 2): pycroscopy's silent wrap
    [[nodiscard]] std::ptrdiff_t size() const { return hi > lo ? hi - lo : 0; }
};

/// Normalise start/stop (std::nullopt = omitted) against a length n exactly as Python does.
[[nodiscard]] SliceRange python_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                                      std::int64_t n);

/// Round half to even, as Python's round() and numpy's np.round (FILTER_SPEC's rne). Values beyond
/// ±2^60 saturate there (no bin is that far; masks refuse such parameters) and NaN gives 0.
[[nodiscard]] std::int64_t rne(double x);

} // namespace sluice::signal
