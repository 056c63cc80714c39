#pragma once
// The four frequency filters of FILTER_SPEC §2 as plain parameter structs (Hz throughout).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::signal {

struct LowPass {
    double cutoff_hz = 0;
    double roll_off = 0.05; ///< fraction of the cut-off, not Hz (pycroscopy's meaning)
    friend bool operator==(const LowPass&, const LowPass&) = default;
};

struct NoiseBand {
    std::vector<double> freqs_hz;
    std::vector<double> widths_hz; ///< full widths, same length as freqs_hz
    friend bool operator==(const NoiseBand&, const NoiseBand&) = default;
};

struct HarmonicPass {
    double first_hz = 0;
    double band_width_hz = 0;
    std::int64_t num_harmonics = 1;
    friend bool operator==(const HarmonicPass&, const HarmonicPass&) = default;
};

struct BandPass {
    double center_hz = 0;
    double width_hz = 0;
    friend bool operator==(const BandPass&, const BandPass&) = default;
};

using FilterSpec = std::variant<LowPass, NoiseBand, HarmonicPass, BandPass>;

/// The recipe's "type" string: low_pass, noise_band, harmonic_pass, band_pass.
[[nodiscard]] std::string_view filter_type_name(const FilterSpec& f);

/// A number for a user-facing message: integral values as integers ("3000000"), others with up to
/// 10 significant digits and no trailing zeros ("4000000.5", "0.05"); "nan"/"inf" as such.
[[nodiscard]] std::string format_number(double v);

} // namespace sluice::signal
