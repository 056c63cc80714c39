#include "recipe/recipe_text.hpp"

#include <fmt/format.h>

namespace sluice::recipe {

using signal::BandPass;
using signal::FilterSpec;
using signal::format_number;
using signal::HarmonicPass;
using signal::LowPass;
using signal::NoiseBand;

std::string frequency_text(double hz) {
    if (hz >= 1e6) return format_number(hz / 1e6) + " MHz";
    if (hz >= 1e3) return format_number(hz / 1e3) + " kHz";
    return format_number(hz) + " Hz";
}

std::string filter_text(const FilterSpec& filter) {
    struct Text {
        std::string operator()(const LowPass& f) const {
            return fmt::format("low-pass {} (roll-off {} %)", frequency_text(f.cutoff_hz),
                               format_number(100 * f.roll_off));
        }
        std::string operator()(const NoiseBand& f) const {
            std::string out = "notch";
            for (std::size_t i = 0; i < f.freqs_hz.size(); ++i) {
                if (i == 3) return out + fmt::format(" and {} more", f.freqs_hz.size() - 3);
                out += fmt::format("{} {} ±{}", i ? "," : "", frequency_text(f.freqs_hz[i]),
                                   frequency_text(f.widths_hz[i] / 2));
            }
            return out;
        }
        std::string operator()(const HarmonicPass& f) const {
            return fmt::format("{} harmonics of {} (band {})", f.num_harmonics, frequency_text(f.first_hz),
                               frequency_text(f.band_width_hz));
        }
        std::string operator()(const BandPass& f) const {
            return fmt::format("band-pass {} ±{}", frequency_text(f.center_hz),
                               frequency_text(f.width_hz / 2));
        }
    };
    return std::visit(Text{}, filter);
}

std::string recipe_summary(const FilterRecipe& recipe) {
    std::string out;
    for (const auto& f : recipe.filters)
        out += (out.empty() ? "" : ", ") + filter_text(f);
    if (recipe.noise_threshold)
        out += (out.empty() ? "" : ", ") +
               fmt::format("noise threshold {}", format_number(*recipe.noise_threshold));
    return out.empty() ? std::string("nothing") : out;
}

} // namespace sluice::recipe
