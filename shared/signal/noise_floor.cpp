// FILTER_SPEC §4, the iteration of pycroscopy's get_noise_floor, term for term.
#include "signal/noise_floor.hpp"

#include <algorithm>
#include <cmath>
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

// Zero every a_i > thr (strict) and return sum(a_i^2) of what is left, in one pass; four independent
// accumulators and a branch-free select keep it fast. Only the summation order differs from numpy.
double zero_above_sum_sq(std::span<double> a, double thr) {
    double acc[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= a.size(); i += 4)
        for (std::size_t j = 0; j < 4; ++j) {
            const double v = a[i + j] > thr ? 0.0 : a[i + j];
            a[i + j] = v;
            acc[j] += v * v;
        }
    for (; i < a.size(); ++i) {
        const double v = a[i] > thr ? 0.0 : a[i];
        a[i] = v;
        acc[0] += v * v;
    }
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// The same on squared magnitudes q_i = a_i^2: zero every q_i whose sqrt exceeds thr, return sum(q_i).
// Comparing q against thr^2 settles every bin but those within ~1e-12 of the threshold, for which sqrt
// decides, so the decisions are exactly those on a_i = sqrt(q_i).
double zero_above_sum(std::span<double> q, double thr) {
    double acc[4] = {0, 0, 0, 0};
    if (thr == std::numeric_limits<double>::infinity()) { // the first mean square: nothing is zeroed
        std::size_t i = 0;
        for (; i + 4 <= q.size(); i += 4)
            for (std::size_t j = 0; j < 4; ++j)
                acc[j] += q[i + j];
        for (; i < q.size(); ++i)
            acc[0] += q[i];
        return (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    const double t2 = thr * thr;
    const double lo2 = t2 * (1 - 1e-12), hi2 = t2 * (1 + 1e-12);
    for (std::size_t i = 0; i < q.size(); ++i) {
        double v = q[i];
        if (v > lo2 && (v > hi2 || std::sqrt(v) > thr)) q[i] = v = 0;
        acc[i % 4] += v;
    }
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
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
    const std::size_t h = mag.size();
    if (h == 0 || n == 0) return 0;
    const std::size_t paired_end = std::min((n + 1) / 2, h); // one past the last bin with a partner
    const double two_n = 2.0 * static_cast<double>(n);
    auto amp = scratch.first(h);
    std::copy(mag.begin(), mag.end(), amp.begin());
    auto paired = amp.subspan(1, paired_end - 1);
    auto unpaired_top = amp.subspan(paired_end); // the Nyquist bin for even n, else empty
    auto mean_square = [&](double thr) {
        const double single = zero_above_sum_sq(amp.first(1), thr) + zero_above_sum_sq(unpaired_top, thr);
        return (single + 2.0 * zero_above_sum_sq(paired, thr)) / two_n;
    };
    return iterate(mean_square(std::numeric_limits<double>::infinity()), tol, mean_square);
}

double noise_floor_half_sq(std::span<const double> sq, std::size_t n, double tol, std::span<double> scratch) {
    const std::size_t h = sq.size();
    if (h == 0 || n == 0) return 0;
    const std::size_t paired_end = std::min((n + 1) / 2, h);
    const double two_n = 2.0 * static_cast<double>(n);
    auto q = scratch.first(h);
    std::copy(sq.begin(), sq.end(), q.begin());
    auto paired = q.subspan(1, paired_end - 1);
    auto unpaired_top = q.subspan(paired_end);
    auto mean_square = [&](double thr) {
        const double single = zero_above_sum(q.first(1), thr) + zero_above_sum(unpaired_top, thr);
        return (single + 2.0 * zero_above_sum(paired, thr)) / two_n;
    };
    return iterate(mean_square(std::numeric_limits<double>::infinity()), tol, mean_square);
}

} // namespace sluice
