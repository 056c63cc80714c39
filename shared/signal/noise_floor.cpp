// FILTER_SPEC §4, the iteration of pycroscopy's get_noise_floor, term for term.
#include "signal/noise_floor.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace sluice {
namespace {

// sum(a_i^2) in numpy's pairwise order (8 accumulators up to 128 values, halves above that, per
// 8192-value block as numpy's buffered reduction does), so that the reference sums like np.sum.
double pairwise_sq(const double* a, std::size_t n) {
    if (n < 8) {
        double res = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            res += a[i] * a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (std::size_t j = 0; j < 8; ++j)
            r[j] = a[j] * a[j];
        std::size_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (std::size_t j = 0; j < 8; ++j)
                r[j] += a[i + j] * a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i)
            res += a[i] * a[i];
        return res;
    }
    std::size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sq(a, n2) + pairwise_sq(a + n2, n - n2);
}

double sum_sq(std::span<const double> a) {
    constexpr std::size_t block = 8192;
    double res = 0.0;
    for (std::size_t i = 0; i < a.size(); i += block)
        res += pairwise_sq(a.data() + i, std::min(block, a.size() - i));
    return res;
}

// The iteration of §4. `first` is sum(a^2)/(2N) of the untouched magnitudes; `pass(thr)` zeroes every
// magnitude above thr and returns the new sum(a^2)/(2N) (zeroed bins still count in 2N).
template <class Pass>
double iterate(double first, double tol, Pass pass) {
    const double L = -std::log(tol);
    double rms = std::sqrt(first);
    double thr = std::sqrt((2 * (rms * rms)) * L);
    double res = 1;
    for (int it = 1; res > 0.01 && it < 50; ++it) { // at most 49 passes; 0.01 is absolute
        const double rms_new = std::sqrt(pass(thr));
        res = std::fabs(rms_new - rms);
        thr = std::sqrt((2 * (rms_new * rms_new)) * L);
        rms = rms_new;
    }
    return thr;
}

// The iteration of §4 on a real signal's half spectrum, incrementally. A pass zeroes the bins above the
// threshold and the next threshold follows from what is left; thresholds only fall. One scan of all
// bins finds a cutoff c below which no bin can ever be removed: if the bins under c alone keep every
// threshold^2 above c, no later pass reaches them. Their weighted sum is taken once; the passes only
// visit the few bins above c (the tones and the noise's top tail), so each pass costs tens of bins, not
// n/2. Every decision is still the per-bin one of §4; only the summation order differs from numpy's
// (the spec's ~1e-16 relative).
//
// Form::square(v) is the bin's squared magnitude and Form::removed(v, thr) the strict "|X| > thr"
// decision, so that magnitudes and squared magnitudes give the same sums and the same decisions.
template <class Form>
double incremental_floor(std::span<const double> v, std::size_t n, double tol, std::span<double> scratch) {
    const std::size_t h = v.size();
    if (h == 0 || n == 0) return 0;
    const std::size_t paired_end = std::min((n + 1) / 2, h); // bins 1..paired_end-1 stand for two
    const double two_n = 2.0 * static_cast<double>(n);
    const auto paired = v.subspan(1, paired_end - 1);
    // DC and (even n) Nyquist count once; they are simply checked in every pass.
    std::array<double, 2> single{v[0], 0};
    const std::size_t singles = 1 + (paired_end < h);
    if (singles == 2) single[1] = v[h - 1];

    // Scan 1: the sum of squares, and the same sums bucketed by binary exponent.
    std::array<double, 2048> by_exponent{};
    double acc[4] = {0, 0, 0, 0};
    for (std::size_t k = 0; k < paired.size(); ++k) {
        const double s = 2.0 * Form::square(paired[k]);
        acc[k % 4] += s;
        by_exponent[std::bit_cast<std::uint64_t>(s) >> 52] += s; // s >= 0: the sign bit is 0
    }
    double single_sum = Form::square(single[0]);
    if (singles == 2) single_sum += Form::square(single[1]);
    const double L = -std::log(tol);
    const double first = (single_sum + ((acc[0] + acc[1]) + (acc[2] + acc[3]))) / two_n;

    // The cutoff: the largest power of two c with 2L * (sum of paired squares below c) / (2N) >= c, less a
    // margin of 1e-9 for summation order and the threshold's rounding. Bucket e holds [2^(e-1023),
    // 2^(e-1022)); a bin whose doubled square is below c has a square below every future threshold^2.
    double below = 0, cutoff = 0;
    for (std::uint64_t e = 1; e < by_exponent.size(); ++e) {
        below += by_exponent[e - 1];
        const double c = std::bit_cast<double>(e << 52); // 2^(e-1023)
        if (2 * L * below / two_n * (1 - 1e-9) >= c) cutoff = c;
    }

    // Scan 2: the fixed low part and the candidates above the cutoff (their squares, in scratch).
    for (std::size_t j = 0; j < 4; ++j)
        acc[j] = 0;
    std::size_t m = 0;
    for (std::size_t k = 0; k < paired.size(); ++k) {
        const double s = 2.0 * Form::square(paired[k]);
        if (s < cutoff)
            acc[k % 4] += s;
        else
            scratch[m++] = paired[k];
    }
    const double low_sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);

    double rms = std::sqrt(first);
    double thr = std::sqrt((2 * (rms * rms)) * L);
    double res = 1;
    for (int it = 1; res > 0.01 && it < 50; ++it) { // at most 49 passes; 0.01 is absolute
        double kept = 0;
        for (std::size_t j = 0; j < singles; ++j)
            if (!Form::removed(single[j], thr)) kept += Form::square(single[j]);
        std::size_t left = 0;
        for (std::size_t i = 0; i < m; ++i) {
            if (Form::removed(scratch[i], thr)) continue;
            kept += 2.0 * Form::square(scratch[i]);
            scratch[left++] = scratch[i];
        }
        m = left;
        const double rms_new = std::sqrt((low_sum + kept) / two_n);
        res = std::fabs(rms_new - rms);
        thr = std::sqrt((2 * (rms_new * rms_new)) * L);
        rms = rms_new;
    }
    return thr;
}

struct Magnitudes {
    static double square(double a) { return a * a; }
    static bool removed(double a, double thr) { return a > thr; } // strict, as §4
};

// q = |X|^2: comparing q against thr^2 settles every bin but those within ~1e-12 of the threshold, for
// which sqrt decides, so the decisions are exactly those on sqrt(q).
struct Squares {
    static double square(double q) { return q; }
    static bool removed(double q, double thr) {
        const double t2 = thr * thr;
        if (q <= t2 * (1 - 1e-12)) return false;
        return q > t2 * (1 + 1e-12) || std::sqrt(q) > thr;
    }
};

} // namespace

double noise_floor(std::span<const double> magnitudes, double tol) {
    if (magnitudes.empty()) return 0;
    std::vector<double> amp(magnitudes.begin(), magnitudes.end());
    const double two_n = 2.0 * static_cast<double>(amp.size());
    return iterate(sum_sq(amp) / two_n, tol, [&](double thr) {
        for (double& a : amp)
            if (a > thr) a = 0; // strict
        return sum_sq(amp) / two_n;
    });
}

double noise_floor_half(std::span<const double> mag, std::size_t n, double tol, std::span<double> scratch) {
    // Bin k of a real signal's spectrum has the magnitude of bin -k, so bins 1..ceil(n/2)-1 count twice;
    // DC and (even n only) Nyquist have no partner. Zeroing decisions are per magnitude, hence identical
    // to the full spectrum's; only the summation order differs.
    return incremental_floor<Magnitudes>(mag, n, tol, scratch);
}

double noise_floor_half_sq(std::span<const double> sq, std::size_t n, double tol, std::span<double> scratch) {
    return incremental_floor<Squares>(sq, n, tol, scratch);
}

} // namespace sluice
