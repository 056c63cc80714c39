// FILTER_SPEC §4, the iteration of pycroscopy's get_noise_floor, term for term.
#include "signal/noise_floor.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace sluice::signal {
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
// Sum of 2 * square(v) over v, in four interleaved accumulators, and the largest square (four running
// maxima, so that neither waits on itself).
template <class Form>
double doubled_sum_and_top(std::span<const double> v, double& top) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    std::size_t k = 0;
    for (; k + 4 <= v.size(); k += 4) {
        const double s0 = Form::square(v[k]), s1 = Form::square(v[k + 1]);
        const double s2 = Form::square(v[k + 2]), s3 = Form::square(v[k + 3]);
        a0 += 2.0 * s0;
        a1 += 2.0 * s1;
        a2 += 2.0 * s2;
        a3 += 2.0 * s3;
        t0 = s0 > t0 ? s0 : t0;
        t1 = s1 > t1 ? s1 : t1;
        t2 = s2 > t2 ? s2 : t2;
        t3 = s3 > t3 ? s3 : t3;
    }
    for (; k < v.size(); ++k) {
        const double s0 = Form::square(v[k]);
        a0 += 2.0 * s0;
        t0 = s0 > t0 ? s0 : t0;
    }
    top = std::max(std::max(t0, t1), std::max(t2, t3));
    return (a0 + a1) + (a2 + a3);
}

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
    double single_sum = Form::square(single[0]);
    if (singles == 2) single_sum += Form::square(single[1]);
    const double L = -std::log(tol);

    // Scan 1: the first mean square, and the largest square.
    double top = 0;
    const double first = (single_sum + doubled_sum_and_top<Form>(paired, top)) / two_n;

    // Scan 2: the doubled squares bucketed by magnitude below the largest, in steps of sqrt(2) (the top
    // 12 bits of a positive double are monotonic in its value); everything 2^63 below lands in the last.
    constexpr std::uint64_t kBuckets = 128;
    auto key = [](double sq) { return std::bit_cast<std::uint64_t>(sq) >> 51; };
    const std::uint64_t top_key = key(top);
    std::array<double, kBuckets> hist_a{}, hist_b{}; // two, so that neighbours do not wait on each other
    auto bucket = [&](double sq) { return std::min(top_key - key(sq), kBuckets - 1); };
    std::size_t k = 0;
    for (; k + 2 <= paired.size(); k += 2) {
        const double s0 = Form::square(paired[k]), s1 = Form::square(paired[k + 1]);
        hist_a[bucket(s0)] += 2.0 * s0;
        hist_b[bucket(s1)] += 2.0 * s1;
    }
    if (k < paired.size()) hist_a[bucket(Form::square(paired[k]))] += 2.0 * Form::square(paired[k]);

    // The cutoff c: the largest bucket edge with 2L * (paired squares below c, doubled) / (2N) >= c, less a
    // margin of 1e-9 for summation order and the threshold's rounding. Every threshold^2 is at least that
    // sum's share, so a bin whose square is below c is never removed: its contribution is summed once.
    double below = 0, cutoff = top > 0 ? std::numeric_limits<double>::infinity() : 0;
    for (std::uint64_t j = kBuckets - 1; j-- > 0 && top_key > j;) {
        below += hist_a[j + 1] + hist_b[j + 1];
        const double c = std::bit_cast<double>((top_key - j) << 51); // lower edge of bucket j
        if (2 * L * below / two_n * (1 - 1e-9) >= c) cutoff = c;
    }
    if (cutoff == std::numeric_limits<double>::infinity()) cutoff = 0; // no bound: every bin is a candidate

    // Scan 3: the fixed low part and the candidates (their values, in scratch), without branches.
    double l0 = 0, l1 = 0;
    std::size_t m = 0;
    for (k = 0; k + 2 <= paired.size(); k += 2) {
        const double x0 = paired[k], x1 = paired[k + 1];
        const double s0 = Form::square(x0), s1 = Form::square(x1);
        const bool low0 = s0 < cutoff, low1 = s1 < cutoff;
        l0 += low0 ? 2.0 * s0 : 0.0;
        l1 += low1 ? 2.0 * s1 : 0.0;
        scratch[m] = x0;
        m += low0 ? 0 : 1;
        scratch[m] = x1;
        m += low1 ? 0 : 1;
    }
    if (k < paired.size()) {
        const double x = paired[k], sq = Form::square(x);
        if (sq < cutoff)
            l0 += 2.0 * sq;
        else
            scratch[m++] = x;
    }
    const double low_sum = l0 + l1;

    double rms = std::sqrt(first);
    double thr = std::sqrt((2 * (rms * rms)) * L);
    double res = 1;
    for (int it = 1; res > 0.01 && it < 50; ++it) { // at most 49 passes; 0.01 is absolute
        double kept = 0;
        for (std::size_t j = 0; j < singles; ++j)
            if (!Form::removed(single[j], thr)) kept += Form::square(single[j]);
        std::size_t left = 0;
        for (std::size_t i = 0; i < m; ++i) {
            const double x = scratch[i];
            if (Form::removed(x, thr)) continue;
            kept += 2.0 * Form::square(x);
            scratch[left++] = x;
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

} // namespace sluice::signal
