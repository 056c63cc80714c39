// Masks of FILTER_SPEC §2. Every scalar expression keeps the spec's (pycroscopy's) evaluation order,
// because the order decides which way rne() resolves ties. Writes go through python_slice() so that
// negative and out-of-range bounds behave as in numpy; a bound that Python would wrap is refused.
#include "signal/masks.hpp"

#include "signal/slice.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <string>

// Return the error of a Status-valued check from the enclosing function.
#define SLUICE_CHECK(status)                                                                                 \
    do {                                                                                                     \
        if (auto check_ = (status); !check_) return std::unexpected(std::move(check_).error());              \
    } while (false)

namespace sluice::signal {
namespace {

using i64 = std::int64_t;

std::string hz(double v) {
    return format_number(v) + " Hz";
}

std::unexpected<Error> bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

/// An error about one key of the filter (composite_mask adds which filter).
std::unexpected<Error> bad(std::string message, std::string_view key,
                           std::optional<std::size_t> element = {}) {
    return fail(ErrorKind::bad_input, std::move(message), Field{{}, std::string(key), element});
}

/// "low_pass.cutoff_hz" names the key "cutoff_hz".
std::string_view key_of(std::string_view what) {
    const auto dot = what.find('.');
    const auto bracket = what.find('[');
    return what.substr(dot + 1, bracket == what.npos ? what.npos : bracket - dot - 1);
}

/// pycroscopy turns NaN/inf into an exception at int(round(...)); say so up front.
Status require_finite(std::string_view what, double v, bool in_hz = true,
                      std::optional<std::size_t> element = {}) {
    if (std::isfinite(v)) return {};
    return bad(fmt::format("{} = {}{} is not a finite number", what, format_number(v), in_hz ? " Hz" : ""),
               key_of(what), element);
}

Status require_non_negative(std::string_view what, double v, bool in_hz = true,
                            std::optional<std::size_t> element = {}) {
    SLUICE_CHECK(require_finite(what, v, in_hz, element));
    if (v >= 0) return {};
    return bad(fmt::format("{} = {}{} is negative", what, format_number(v), in_hz ? " Hz" : ""), key_of(what),
               element);
}

// `mask[r] = value` for a scalar value.
template <class T>
void fill(std::vector<T>& mask, SliceRange r, T value) {
    for (auto i = r.lo; i < r.hi; ++i)
        mask[static_cast<std::size_t>(i)] = value;
}

// `mask[r] = values` for an array value (slice rule 5): element-wise if the lengths agree, a single
// value broadcasts, anything else is numpy's "could not broadcast" ValueError (returns false).
template <class Convert>
bool assign(std::vector<float>& mask, SliceRange r, const std::vector<double>& values, Convert convert) {
    const auto count = static_cast<std::size_t>(r.size());
    if (values.size() == 1) {
        fill(mask, r, convert(values[0]));
        return true;
    }
    if (values.size() != count) return false;
    for (std::size_t j = 0; j < count; ++j)
        mask[static_cast<std::size_t>(r.lo) + j] = convert(values[j]);
    return true;
}

i64 centre(i64 n) {
    return rne(0.5 * static_cast<double>(n));
}

} // namespace

Status check_length_and_rate(std::size_t n, double fs) {
    if (n > (std::size_t{1} << 53))
        return bad(fmt::format("signal length {} is too large to be handled exactly", n));
    if (!std::isfinite(fs))
        return bad(fmt::format("sample rate {} Hz is not a finite number", format_number(fs)),
                   "sample_rate_hz");
    if (fs < 0) return bad(fmt::format("sample rate {} Hz is negative", format_number(fs)), "sample_rate_hz");
    if (std::fmod(fs, 1.0) != 0)
        return bad(fmt::format("sample rate {} Hz is not a whole number of Hz (pycroscopy requires one)",
                               format_number(fs)),
                   "sample_rate_hz");
    if (fs == 0) return bad("sample rate 0 Hz must be positive", "sample_rate_hz");
    return {};
}

Result<std::vector<float>> low_pass_mask(std::size_t n, double fs, const LowPass& f) {
    SLUICE_CHECK(require_finite("low_pass.cutoff_hz", f.cutoff_hz));
    SLUICE_CHECK(require_finite("low_pass.roll_off", f.roll_off, false));
    const double nyquist = 0.5 * fs;
    if (f.cutoff_hz >= nyquist) // pycroscopy checks this before N and fs
        return bad(
            fmt::format("low_pass.cutoff_hz = {} is at or above Nyquist ({})", hz(f.cutoff_hz), hz(nyquist)),
            "cutoff_hz");
    SLUICE_CHECK(check_length_and_rate(n, fs));
    SLUICE_CHECK(require_non_negative("low_pass.cutoff_hz", f.cutoff_hz));
    SLUICE_CHECK(require_non_negative("low_pass.roll_off", f.roll_off, false));

    const i64 N = static_cast<i64>(n);
    const double Nd = static_cast<double>(n);
    const i64 c = centre(N);
    const double r = f.roll_off * f.cutoff_hz;
    const i64 s = rne(Nd * (r / fs));
    const i64 k = rne(Nd * (f.cutoff_hz / fs));

    auto does_not_fit = [&] {
        if (c + k + 1 > N)
            return bad(
                fmt::format("low_pass.cutoff_hz = {} is too close to Nyquist ({}): it rounds to the last "
                            "bin (k = {} for {} points), where its {}-bin roll-off does not fit",
                            hz(f.cutoff_hz), hz(nyquist), k, N, s),
                "cutoff_hz");
        return bad(fmt::format("low_pass.roll_off = {} is too large for cutoff_hz = {}: its {}-bin roll-off "
                               "does not fit in {} points",
                               format_number(f.roll_off), hz(f.cutoff_hz), s, N),
                   "roll_off");
    };
    // A roll-off longer than the array cannot be anything but a refusal; this also bounds the allocation.
    if (s > N) return does_not_fit();

    // numpy linspace(-2.5, 2.5, s): t_j = j*step + start, the last element forced to stop.
    std::vector<double> edge(static_cast<std::size_t>(s));
    const double step = s > 1 ? 5.0 / static_cast<double>(s - 1) : 0.0;
    for (i64 j = 0; j < s; ++j)
        edge[static_cast<std::size_t>(j)] = static_cast<double>(j) * step + -2.5;
    if (s > 1) edge.back() = 2.5;
    for (double& t : edge)
        t = 0.5 * (1 + std::erf(t));

    std::vector<float> mask(n, 0.0f);
    const auto w1 = python_slice(c - k, c - k + s, N);
    const auto w2 = python_slice(c - k + s, c + k - s + 1, N);
    const auto w3 = python_slice(c + k - s + 1, c + k + 1, N);
    if (w1.wrapped || w2.wrapped || w3.wrapped) return does_not_fit();
    if (!assign(mask, w1, edge, [](double e) { return static_cast<float>(e); })) return does_not_fit();
    fill(mask, w2, 1.0f);
    if (!assign(mask, w3, edge, [](double e) { return static_cast<float>(1 - e); })) return does_not_fit();
    return mask;
}

Result<std::vector<float>> band_pass_mask(std::size_t n, double fs, const BandPass& f) {
    SLUICE_CHECK(require_finite("band_pass.center_hz", f.center_hz));
    SLUICE_CHECK(require_finite("band_pass.width_hz", f.width_hz));
    const double nyquist = 0.5 * fs;
    if (f.center_hz >= nyquist) // pycroscopy checks this before N and fs
        return bad(
            fmt::format("band_pass.center_hz = {} is at or above Nyquist ({})", hz(f.center_hz), hz(nyquist)),
            "center_hz");
    SLUICE_CHECK(check_length_and_rate(n, fs));
    SLUICE_CHECK(require_non_negative("band_pass.center_hz", f.center_hz));
    SLUICE_CHECK(require_non_negative("band_pass.width_hz", f.width_hz));

    const i64 N = static_cast<i64>(n);
    const i64 c = centre(N);
    const i64 k = rne(static_cast<double>(N) * (f.center_hz / fs));
    const i64 s = rne(static_cast<double>(c) * f.width_hz / fs);
    // k < s: the bands around -f and +f overlap across DC, so the "band pass" keeps DC.
    if (k < s)
        return bad(fmt::format("band_pass.center_hz = {} is closer to DC than half of width_hz = {}",
                               hz(f.center_hz), hz(f.width_hz)),
                   "width_hz");
    const auto lower = python_slice(c - k - s, c - k + s + 1, N);
    const auto upper = python_slice(c + k - s, c + k + s + 1, N);
    if (lower.wrapped || upper.wrapped)
        return bad(
            fmt::format("band_pass.center_hz = {} with width_hz = {} reaches past Nyquist ({}): the band "
                        "would wrap",
                        hz(f.center_hz), hz(f.width_hz), hz(nyquist)),
            "center_hz");
    std::vector<float> mask(n, 0.0f);
    fill(mask, lower, 1.0f);
    fill(mask, upper, 1.0f);
    return mask;
}

Result<std::vector<std::int16_t>> noise_band_mask(std::size_t n, double fs, const NoiseBand& f) {
    SLUICE_CHECK(check_length_and_rate(n, fs));
    if (f.freqs_hz.size() != f.widths_hz.size())
        return bad(fmt::format("noise_band: freqs_hz has {} values but widths_hz has {}", f.freqs_hz.size(),
                               f.widths_hz.size()),
                   "widths_hz");
    for (std::size_t i = 0; i < f.freqs_hz.size(); ++i) {
        SLUICE_CHECK(require_non_negative(fmt::format("noise_band.freqs_hz[{}]", i), f.freqs_hz[i], true, i));
        SLUICE_CHECK(
            require_non_negative(fmt::format("noise_band.widths_hz[{}]", i), f.widths_hz[i], true, i));
    }

    const i64 N = static_cast<i64>(n);
    const i64 c = centre(N);
    std::vector<std::int16_t> mask(n, 1);
    for (std::size_t i = 0; i < f.freqs_hz.size(); ++i) {
        const i64 k = rne(static_cast<double>(N) * (f.freqs_hz[i] / fs));
        const i64 s = rne(static_cast<double>(c) * f.widths_hz[i] / fs);
        const auto lower = python_slice(c - k - s, c - k + s + 1, N);
        const auto upper = python_slice(c + k - s, c + k + s + 1, N);
        if (lower.wrapped || upper.wrapped)
            return bad(
                fmt::format("noise_band.freqs_hz[{0}] = {1} with widths_hz[{0}] = {2} reaches past Nyquist "
                            "({3}): the band would wrap",
                            i, hz(f.freqs_hz[i]), hz(f.widths_hz[i]), hz(0.5 * fs)),
                "freqs_hz", i);
        fill(mask, lower, std::int16_t{0});
        fill(mask, upper, std::int16_t{0});
    }
    return mask;
}

Result<std::vector<std::int16_t>> harmonic_pass_mask(std::size_t n, double fs, const HarmonicPass& f) {
    SLUICE_CHECK(check_length_and_rate(n, fs));
    SLUICE_CHECK(require_non_negative("harmonic_pass.first_hz", f.first_hz));
    SLUICE_CHECK(require_non_negative("harmonic_pass.band_width_hz", f.band_width_hz));
    const i64 N = static_cast<i64>(n);
    // 0 harmonics keeps only a band around DC, and more harmonics than bins can only pile up below one
    // bin (and would make pycroscopy's per-harmonic loop unbounded): both are refused.
    if (f.num_harmonics < 1)
        return bad(fmt::format("harmonic_pass.num_harmonics = {} must be at least 1", f.num_harmonics),
                   "num_harmonics");
    if (f.num_harmonics > N)
        return bad(fmt::format("harmonic_pass.num_harmonics = {} is more than the {} points of a row",
                               f.num_harmonics, N),
                   "num_harmonics");

    const double Nd = static_cast<double>(N);
    const double nyquist = 0.5 * fs;
    const i64 c = centre(N);
    const i64 s = rne(static_cast<double>(c) * f.band_width_hz / fs);
    const i64 k1 = rne(Nd * (f.first_hz / fs));
    if (k1 >= N) // pycroscopy: warn() without arguments → TypeError
        return bad(
            fmt::format("harmonic_pass.first_hz = {} falls on bin {}, at or beyond the {} points of a row "
                        "(sample rate {})",
                        hz(f.first_hz), k1, N, hz(fs)),
            "first_hz");
    const double last_hz = static_cast<double>(f.num_harmonics) * f.first_hz;
    const i64 kL = rne(Nd * (last_hz / fs));
    // Write B's stop c-kL-s is the lowest bound of all writes (write A's and the loop's negative-side
    // bounds are above it), so checking it here catches every wrap before anything is written.
    if (c - kL - s < 0) {
        if (last_hz > nyquist)
            return bad(
                fmt::format("harmonic_pass: num_harmonics = {} times first_hz = {} is past Nyquist ({})",
                            f.num_harmonics, hz(f.first_hz), hz(nyquist)),
                "num_harmonics");
        return bad(
            fmt::format("harmonic_pass.band_width_hz = {} around harmonic {} ({}) reaches past Nyquist "
                        "({}): the band would wrap",
                        hz(f.band_width_hz), f.num_harmonics, hz(last_hz), hz(nyquist)),
            "band_width_hz");
    }

    std::vector<std::int16_t> mask(n, 1);
    auto zero = [&](std::optional<i64> lo, std::optional<i64> hi) {
        const auto r = python_slice(lo, hi, N);
        if (r.wrapped) return false;
        fill(mask, r, std::int16_t{0});
        return true;
    };
    bool ok = zero(std::max(c - k1 + s + 1, i64{0}), std::min(N, c + k1 - s)); // A: DC up to harmonic 1
    ok = ok && zero(std::nullopt, c - kL - s);                                 // B: below -harmonic L
    ok = ok && zero(c + kL + s + 1, std::nullopt);                             // C: above +harmonic L
    for (i64 m = 1; ok && m < f.num_harmonics; ++m) {                          // between harmonics
        const i64 ka = rne(Nd * ((static_cast<double>(m) * f.first_hz) / fs));
        const i64 kb = rne(Nd * ((static_cast<double>(m + 1) * f.first_hz) / fs));
        ok = zero(c - kb + s + 1, c - ka - s) && zero(c + ka + s + 1, c + kb - s);
    }
    if (!ok) // unreachable after the check above; kept so that no wrap can ever pass silently
        return bad(
            fmt::format("harmonic_pass: the bands of band_width_hz = {} around first_hz = {} would wrap",
                        hz(f.band_width_hz), hz(f.first_hz)),
            "band_width_hz");
    return mask;
}

Result<std::vector<float>> filter_mask(std::size_t n, double fs, const FilterSpec& f) {
    auto widen = [](Result<std::vector<std::int16_t>> m) -> Result<std::vector<float>> {
        if (!m) return std::unexpected(std::move(m).error());
        return std::vector<float>(m->begin(), m->end()); // int16 → float32 is exact
    };
    if (const auto* p = std::get_if<LowPass>(&f)) return low_pass_mask(n, fs, *p);
    if (const auto* p = std::get_if<BandPass>(&f)) return band_pass_mask(n, fs, *p);
    if (const auto* p = std::get_if<NoiseBand>(&f)) return widen(noise_band_mask(n, fs, *p));
    return widen(harmonic_pass_mask(n, fs, std::get<HarmonicPass>(f)));
}

} // namespace sluice::signal
