#include "signal/slice.hpp"

#include <cmath>

namespace sluice::signal {

SliceRange python_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop, std::int64_t n) {
    SliceRange r;
    auto normalise = [&](std::int64_t x) {
        if (x < 0) {
            r.wrapped = true; // rule 2: Python counts from the end instead of clipping at 0
            x += n;
            return x < 0 ? std::int64_t{0} : x;
        }
        return x > n ? n : x; // rule 3
    };
    r.lo = start ? normalise(*start) : 0;
    r.hi = stop ? normalise(*stop) : n;
    return r;
}

std::int64_t rne(double x) {
    // Saturate far outside any bin range so that callers can add a few of these without overflow;
    // every mask refuses such values anyway (the slice bounds they give are negative or past N).
    constexpr double limit = 0x1p60;
    if (std::isnan(x)) return 0;
    if (x >= limit) return static_cast<std::int64_t>(limit);
    if (x <= -limit) return -static_cast<std::int64_t>(limit);
    return static_cast<std::int64_t>(std::nearbyint(x)); // default rounding mode: ties to even
}

} // namespace sluice::signal
