// FILTER_SPEC §3 on the half spectrum. pycroscopy keeps Re(IFFT(Y)) of the full masked spectrum Y.
// For a real row, bin -k of the spectrum is conj(X_k), so per half-spectrum bin k we form
//   Y+ = X_k * M[pos(k)]   and   Y- = conj(X_k) * M[pos(-k)],
// threshold both as §3 step 4 does, and hand c2r the Hermitian part H_k = (Y+ + conj(Y-)) / 2, whose
// inverse transform is exactly Re(IFFT(Y)). With a symmetric mask H_k == Y+; the average only matters
// for N ≡ 3 (mod 4), where every pycroscopy mask sits one bin off DC.
#include "signal/row_filter.hpp"

#include "signal/filters.hpp"
#include "signal/noise_floor.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <climits>
#include <cmath>
#include <fftw3.h>
#include <fmt/format.h>
#include <limits>
#include <mutex>

namespace sluice::signal {
namespace {

// FFTW's planner (creation and destruction of plans) is not thread-safe; execution is.
std::mutex& planner_mutex() {
    static std::mutex m;
    return m;
}

struct FftwFree {
    void operator()(void* p) const { fftw_free(p); }
};
template <class T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

template <class T>
FftwBuffer<T> fftw_alloc(std::size_t count) {
    return FftwBuffer<T>(static_cast<T*>(fftw_malloc(sizeof(T) * std::max<std::size_t>(count, 1))));
}

struct PlanDeleter {
    void operator()(fftw_plan p) const {
        const std::lock_guard lock(planner_mutex());
        fftw_destroy_plan(p);
    }
};
using Plan = std::unique_ptr<std::remove_pointer_t<fftw_plan>, PlanDeleter>;

// |x| < floor with |x| = hypot(re, im), as numpy's abs decides it. Squared magnitudes settle all but
// the bins within ~1e-12 of the floor, which hypot then decides exactly.
class BelowFloor {
public:
    explicit BelowFloor(double floor) : floor_(floor) {
        // Outside this range floor^2 or nearby magnitudes^2 could underflow or overflow.
        if (floor >= 1e-150 && floor <= 1e150) {
            lo2_ = floor * floor * (1 - 1e-12);
            hi2_ = floor * floor * (1 + 1e-12);
        }
    }
    bool operator()(double re, double im) const {
        const double q = re * re + im * im;
        if (q < lo2_) return true;
        if (q > hi2_) return false;
        return std::hypot(re, im) < floor_; // NaN compares false: never replaced, as in numpy
    }

private:
    double floor_;
    double lo2_ = 0; // q < 0 never holds: always hypot
    double hi2_ = std::numeric_limits<double>::infinity();
};

} // namespace

struct RowFilter::Impl {
    std::size_t n = 0;
    std::size_t half = 0; // n/2 + 1 bins of the r2c spectrum
    bool has_mask = false;
    bool symmetric = true;
    std::optional<double> tol;
    std::vector<double> mask_pos; ///< M[pos(k)], k = 0..n/2, converted exactly to double
    std::vector<double> mask_neg; ///< M[pos(-k)]
    std::vector<double> mag, scratch;
    FftwBuffer<double> real;
    FftwBuffer<fftw_complex> spec;
    Plan forward, inverse;
    double inv_n = 0; ///< numpy's ifft multiplies by 1/n (it does not divide by n)
};

RowFilter::RowFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RowFilter::~RowFilter() = default;
RowFilter::RowFilter(RowFilter&&) noexcept = default;
RowFilter& RowFilter::operator=(RowFilter&&) noexcept = default;

Result<RowFilter> RowFilter::create(std::size_t n, std::vector<float> composite,
                                    std::optional<double> noise_threshold) {
    if (n == 0) return fail(ErrorKind::bad_input, "rows of 0 points cannot be filtered");
    if (n > static_cast<std::size_t>(INT_MAX))
        return fail(ErrorKind::bad_input, fmt::format("rows of {} points are longer than FFTW's limit", n));
    if (!composite.empty() && composite.size() != n)
        return fail(
            ErrorKind::bad_input,
            fmt::format("the composite filter has {} points but the rows have {}", composite.size(), n));
    if (noise_threshold && !(*noise_threshold > 0 && *noise_threshold < 1))
        return fail(ErrorKind::bad_input,
                    fmt::format("noise_threshold = {} must lie strictly between 0 and 1",
                                format_number(*noise_threshold)));
    if (composite.empty() && !noise_threshold)
        return fail(ErrorKind::bad_input, "nothing to do: no frequency filters and no noise threshold");

    auto impl = std::make_unique<Impl>();
    impl->n = n;
    impl->half = n / 2 + 1;
    impl->tol = noise_threshold;
    impl->inv_n = 1.0 / static_cast<double>(n);
    impl->has_mask = !composite.empty();
    if (impl->has_mask) {
        // fftshift puts bin k at (k + floor(n/2)) mod n, so bin -k is at floor(n/2) - k (mod n).
        impl->mask_pos.resize(impl->half);
        impl->mask_neg.resize(impl->half);
        for (std::size_t k = 0; k < impl->half; ++k) {
            impl->mask_pos[k] = composite[(k + n / 2) % n];
            impl->mask_neg[k] = composite[(n / 2 + n - k) % n];
            if (impl->mask_pos[k] != impl->mask_neg[k]) impl->symmetric = false;
        }
    }
    if (impl->tol) {
        impl->mag.resize(impl->half);
        impl->scratch.resize(impl->half);
    }
    impl->real = fftw_alloc<double>(n);
    impl->spec = fftw_alloc<fftw_complex>(impl->half);
    if (!impl->real || !impl->spec) return fail(ErrorKind::internal, "out of memory for FFT buffers");
    {
        const std::lock_guard lock(planner_mutex());
        const int len = static_cast<int>(n);
        // FFTW_ESTIMATE: no timing measurements, so every rank and every run gets the same plan.
        impl->forward.reset(fftw_plan_dft_r2c_1d(len, impl->real.get(), impl->spec.get(), FFTW_ESTIMATE));
        impl->inverse.reset(fftw_plan_dft_c2r_1d(len, impl->spec.get(), impl->real.get(), FFTW_ESTIMATE));
    }
    if (!impl->forward || !impl->inverse)
        return fail(ErrorKind::internal, "FFTW could not plan the transforms");
    return RowFilter(std::move(impl));
}

std::size_t RowFilter::length() const {
    return impl_->n;
}

RowResult RowFilter::filter(std::span<const double> in, std::span<double> out, RowTiming* timing) {
    return run(in, out, timing);
}

RowResult RowFilter::filter(std::span<const float> in, std::span<float> out, RowTiming* timing) {
    return run(in, out, timing);
}

template <class T>
RowResult RowFilter::run(std::span<const T> in, std::span<T> out, RowTiming* timing) {
    Impl& d = *impl_;
    assert(in.size() == d.n && out.size() == d.n);
    // Timing costs two clock reads per part; without `timing` none at all.
    using Clock = std::chrono::steady_clock;
    Clock::time_point mark = timing ? Clock::now() : Clock::time_point{};
    auto lap = [&](double RowTiming::*part) {
        if (!timing) return;
        const auto now = Clock::now();
        timing->*part += std::chrono::duration<double>(now - mark).count();
        mark = now;
    };
    std::copy(in.begin(), in.end(), d.real.get()); // copying first makes in/out aliasing harmless
    lap(&RowTiming::convert_s);
    fftw_execute(d.forward.get());
    fftw_complex* x = d.spec.get();
    lap(&RowTiming::fft_mask_s);

    RowResult result;
    if (d.tol) {
        // The floor uses |X| of the UNFILTERED spectrum. It is computed on squared magnitudes
        // re^2 + im^2: every zeroing decision is then the one sqrt(re^2 + im^2) > thr gives, and
        // sqrt(re^2 + im^2) is within an ulp of numpy's hypot. The floor sums all bins, so that moves it
        // by ~1e-16 relative, below the ~1e-15 that FFTW's rounding (vs numpy's FFT) already brings and
        // that the spec shows flips no decision; no square root per bin makes this twice as fast.
        // Spectra whose squares could overflow or underflow take hypot instead.
        double top = 0;
        for (std::size_t k = 0; k < d.half; ++k) {
            const double q = x[k][0] * x[k][0] + x[k][1] * x[k][1];
            d.mag[k] = q;
            top = std::max(top, q);
        }
        if (top <= 1e200 && (top >= 1e-200 || top == 0)) {
            result.noise_floor = noise_floor_half_sq(d.mag, d.n, *d.tol, d.scratch);
        } else {
            for (std::size_t k = 0; k < d.half; ++k)
                d.mag[k] = std::hypot(x[k][0], x[k][1]);
            result.noise_floor = noise_floor_half(d.mag, d.n, *d.tol, d.scratch);
        }
        lap(&RowTiming::noise_floor_s);
    }
    const bool threshold = result.noise_floor > 0; // a collapsed floor replaces nothing
    const BelowFloor below(result.noise_floor);
    constexpr double tiny = 1e-16; // pycroscopy's replacement value, 1e-16 + 0i

    if (!d.has_mask || d.symmetric) {
        for (std::size_t k = 0; k < d.half; ++k) {
            double re = x[k][0], im = x[k][1];
            if (d.has_mask) {
                re *= d.mask_pos[k];
                im *= d.mask_pos[k];
            }
            if (threshold && below(re, im)) {
                re = tiny;
                im = 0;
            }
            x[k][0] = re;
            x[k][1] = im;
        }
    } else {
        for (std::size_t k = 0; k < d.half; ++k) {
            const double re = x[k][0], im = x[k][1];
            double pr = re * d.mask_pos[k], pi = im * d.mask_pos[k];  // Y+ = X_k * M[pos(k)]
            double nr = re * d.mask_neg[k], ni = -im * d.mask_neg[k]; // Y- = conj(X_k) * M[pos(-k)]
            if (threshold) {
                if (below(pr, pi)) pr = tiny, pi = 0;
                if (below(nr, ni)) nr = tiny, ni = 0;
            }
            x[k][0] = (pr + nr) * 0.5; // H_k = (Y+ + conj(Y-)) / 2
            x[k][1] = (pi - ni) * 0.5;
        }
    }
    fftw_execute(d.inverse.get());
    lap(&RowTiming::fft_mask_s);
    const double* y = d.real.get();
    for (std::size_t j = 0; j < d.n; ++j)
        out[j] = static_cast<T>(y[j] * d.inv_n);
    lap(&RowTiming::convert_s);
    return result;
}

void RowFilter::magnitude_spectrum(std::span<const double> in, std::span<double> out_shifted) {
    Impl& d = *impl_;
    assert(in.size() == d.n && out_shifted.size() == d.n);
    std::copy(in.begin(), in.end(), d.real.get());
    fftw_execute(d.forward.get());
    const fftw_complex* x = d.spec.get();
    for (std::size_t k = 0; k < d.half; ++k) {
        const double a = std::hypot(x[k][0], x[k][1]);
        out_shifted[(k + d.n / 2) % d.n] = a;
        out_shifted[(d.n / 2 + d.n - k) % d.n] = a; // |X_-k| = |X_k| for a real row
    }
}

} // namespace sluice::signal
