#include "signal/filters.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sluice::signal {

std::string_view filter_type_name(const FilterSpec& f) {
    struct Name {
        std::string_view operator()(const LowPass&) const { return "low_pass"; }
        std::string_view operator()(const NoiseBand&) const { return "noise_band"; }
        std::string_view operator()(const HarmonicPass&) const { return "harmonic_pass"; }
        std::string_view operator()(const BandPass&) const { return "band_pass"; }
    };
    return std::visit(Name{}, f);
}

std::string format_number(double v) {
    // %g switches to exponent notation for 3e6 at low precision; integers read better in messages.
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15)
        return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.10g}", v);
}

} // namespace sluice::signal
