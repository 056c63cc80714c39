// shared/signal RowFilter (FILTER_SPEC §3): every golden Filtered_Data value within 2 float32 ulp (and how
// many are exact), the noise floors exact, a naive full-spectrum DFT reference for symmetric and
// asymmetric (N ≡ 3 mod 4) masks with and without thresholding, aliasing, and create()'s refusals.
#include "common/h5_fixtures.hpp"
#include "signal/masks.hpp"
#include "signal/noise_floor.hpp"
#include "signal/row_filter.hpp"

#include <QtTest>
#include <cmath>
#include <complex>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace sluice;
using sluice::signal::BandPass;
using sluice::signal::composite_mask;
using sluice::signal::filter_mask;
using sluice::signal::FilterSpec;
using sluice::signal::HarmonicPass;
using sluice::signal::LowPass;
using sluice::signal::noise_floor;
using sluice::signal::NoiseBand;
using sluice::signal::RowFilter;

namespace {

using cld = std::complex<long double>;

// FILTER_SPEC §3 on the full spectrum with an O(N^2) DFT in long double: X = fftshift(DFT(x)),
// floor from |X| (library reference noise_floor), X *= M, |X| < floor → 1e-16, y = Re(IDFT(ifftshift X)).
std::vector<double> naive_filter(const std::vector<double>& x, const std::vector<float>& mask,
                                 std::optional<double> tol, double* floor_out = nullptr) {
    const std::size_t n = x.size();
    const long double two_pi = 2 * std::numbers::pi_v<long double>;
    std::vector<cld> X(n); // fftshift order: index i is bin i - floor(n/2)
    for (std::size_t i = 0; i < n; ++i) {
        const long double k = static_cast<long double>(i) - static_cast<long double>(n / 2);
        cld sum = 0;
        for (std::size_t j = 0; j < n; ++j)
            sum += static_cast<long double>(x[j]) *
                   std::polar(1.0L, -two_pi * k * j / static_cast<long double>(n));
        X[i] = sum;
    }
    double floor = 0;
    if (tol) {
        std::vector<double> mag(n);
        for (std::size_t i = 0; i < n; ++i)
            mag[i] = static_cast<double>(std::abs(X[i]));
        floor = noise_floor(mag, *tol);
    }
    if (floor_out) *floor_out = floor;
    for (std::size_t i = 0; i < n; ++i) {
        if (!mask.empty()) X[i] *= static_cast<long double>(mask[i]);
        if (floor > 0 && std::abs(X[i]) < floor) X[i] = 1e-16L;
    }
    std::vector<double> y(n);
    for (std::size_t j = 0; j < n; ++j) {
        cld sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const long double k = static_cast<long double>(i) - static_cast<long double>(n / 2);
            sum += X[i] * std::polar(1.0L, two_pi * k * j / static_cast<long double>(n));
        }
        y[j] = static_cast<double>(sum.real() / static_cast<long double>(n));
    }
    return y;
}

std::vector<double> tones(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 0.05);
    std::vector<double> x(n);
    for (std::size_t j = 0; j < n; ++j) {
        const double t = static_cast<double>(j) / static_cast<double>(n);
        x[j] = std::sin(2 * std::numbers::pi * 2 * t) + 0.5 * std::cos(2 * std::numbers::pi * 5 * t + 0.3) +
               0.2 + g(rng);
    }
    return x;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/";
const std::string kRaw = "/Measurement_000/Channel_000/Raw_Data";

} // namespace

class TestRowFilter : public QObject {
    Q_OBJECT
private slots:
    void goldenFilteredData_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("input");
        QTest::addColumn<double>("fs");
        QTest::addColumn<double>("tol"); // 0: no thresholding
        QTest::addColumn<int>("setup");
        QTest::newRow("p2048_lowpass_notch") << "p2048_lowpass_notch.h5"
                                             << "p2048-input.h5" << 2e6 << 1e-4 << 0;
        QTest::newRow("p2048_harmonic") << "p2048_harmonic.h5"
                                        << "p2048-input.h5" << 2e6 << 0.0 << 1;
        QTest::newRow("p1023_bandpass") << "p1023_bandpass.h5"
                                        << "p1023-input.h5" << 1e6 << 1e-3 << 2;
        QTest::newRow("p1023_threshold_only") << "p1023_threshold_only.h5"
                                              << "p1023-input.h5" << 1e6 << 1e-2 << 3;
    }
    void goldenFilteredData() {
        QFETCH(QString, file);
        QFETCH(QString, input);
        QFETCH(double, fs);
        QFETCH(double, tol);
        QFETCH(int, setup);
        const std::vector<std::vector<FilterSpec>> setups = {
            {LowPass{400e3, 0.05}, NoiseBand{{250e3}, {10e3}}},
            {HarmonicPass{20e3, 4e3, 3}},
            {BandPass{90e3, 20e3}, LowPass{300e3, 0.1}},
            {},
        };
        const auto in_path = test::golden(input.toStdString()), gold_path = test::golden(file.toStdString());
        const auto raw = test::read_f32(in_path, kRaw);
        const auto shape = test::dataset_shape(in_path, kRaw);
        const std::size_t rows = shape.at(0), n = shape.at(1);
        const auto want = test::read_f32(gold_path, kGroup + "Filtered_Data");
        QCOMPARE(want.size(), rows * n);
        std::vector<float> floors;
        if (tol > 0) floors = test::read_f32(gold_path, kGroup + "Noise_Floors");

        const auto& filters = setups[static_cast<std::size_t>(setup)];
        std::vector<float> composite;
        if (!filters.empty()) composite = *composite_mask(n, fs, filters);
        auto rf = RowFilter::create(n, composite, tol > 0 ? std::optional(tol) : std::nullopt);
        QVERIFY2(rf.has_value(), rf ? "" : rf.error().message.c_str());
        QCOMPARE(rf->length(), n);

        std::vector<double> row(n), out(n);
        std::size_t exact = 0, one = 0, two = 0, worse = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < n; ++j)
                row[j] = raw[r * n + j];
            const auto result = rf->filter(row, out);
            if (tol > 0)
                QVERIFY(static_cast<float>(result.noise_floor) == floors[r]);
            else
                QCOMPARE(result.noise_floor, 0.0);
            for (std::size_t j = 0; j < n; ++j) {
                const auto d = test::ulp_distance(static_cast<float>(out[j]), want[r * n + j]);
                (d == 0 ? exact : d == 1 ? one : d == 2 ? two : worse)++;
            }
        }
        qInfo("%s: %zu values, %zu exact, %zu at 1 ulp, %zu at 2 ulp, %zu beyond", qPrintable(file), rows * n,
              exact, one, two, worse);
        QCOMPARE(worse, std::size_t{0});
    }

    void matchesNaiveDft_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("kind"); // 0 symmetric hand mask, 1 pycroscopy low-pass + notch, 2 harmonic
        QTest::addColumn<double>("tol");
        for (int n : {16, 17, 19}) // N ≡ 0, 1, 3 (mod 4): for 19 the pycroscopy masks are asymmetric
            for (int kind : {0, 1, 2})
                for (double tol : {0.0, 0.3}) {
                    const auto name = QString("N=%1 kind=%2 tol=%3").arg(n).arg(kind).arg(tol);
                    QTest::newRow(qPrintable(name)) << n << kind << tol;
                }
    }
    void matchesNaiveDft() {
        QFETCH(int, n);
        QFETCH(int, kind);
        QFETCH(double, tol);
        const auto N = static_cast<std::size_t>(n);
        std::vector<float> mask(N);
        if (kind == 0) { // symmetric about DC (index floor(N/2)), with fractional values
            for (std::size_t i = 0; i < N; ++i) {
                const auto k = std::abs(static_cast<long>(i) - static_cast<long>(N / 2));
                mask[i] = k == 0 ? 0.75f : k <= 3 ? 1.0f : k == 4 ? 0.25f : 0.0f;
            }
            if (N % 2 == 0) mask[0] = 0.5f; // the Nyquist bin pairs with itself
        } else if (kind == 1) {
            const std::vector<FilterSpec> f = {LowPass{6, 0.5}, NoiseBand{{2}, {0}}};
            mask = *composite_mask(N, static_cast<double>(n), f);
        } else {
            mask = *filter_mask(N, static_cast<double>(n), HarmonicPass{2, 1, 3});
        }
        const std::optional<double> t = tol > 0 ? std::optional(tol) : std::nullopt;
        auto rf = RowFilter::create(N, mask, t);
        QVERIFY(rf.has_value());
        for (unsigned seed = 1; seed <= 3; ++seed) {
            const auto x = tones(N, seed);
            double floor = 0;
            const auto want = naive_filter(x, mask, t, &floor);
            std::vector<double> got(N);
            const auto result = rf->filter(x, got);
            QVERIFY(std::fabs(result.noise_floor - floor) <= 1e-12 * std::max(floor, 1.0));
            const double diff = max_abs_diff(got, want);
            QVERIFY2(diff <= 1e-12, qPrintable(QString("max |diff| = %1").arg(diff)));
        }
    }

    void thresholdOnlyKeepsTheTones() {
        // Without a mask, thresholding alone against the naive reference; the output keeps the tones.
        const std::size_t n = 64;
        auto rf = RowFilter::create(n, {}, 0.01);
        QVERIFY(rf.has_value());
        const auto x = tones(n, 5);
        std::vector<double> got(n);
        const auto result = rf->filter(x, got);
        QVERIFY(result.noise_floor > 0);
        double floor = 0;
        QVERIFY(max_abs_diff(got, naive_filter(x, {}, 0.01, &floor)) <= 1e-12);
        QVERIFY(std::fabs(floor - result.noise_floor) <= 1e-12 * floor);
        std::vector<double> clean(n);
        for (std::size_t j = 0; j < n; ++j) {
            const double t = static_cast<double>(j) / static_cast<double>(n);
            clean[j] = std::sin(2 * std::numbers::pi * 2 * t) +
                       0.5 * std::cos(2 * std::numbers::pi * 5 * t + 0.3) + 0.2;
        }
        QVERIFY(max_abs_diff(got, clean) < max_abs_diff(x, clean)); // noise went down
    }

    void collapsedFloorReplacesNothing() {
        // tol close to 1 collapses the floor to 0, so the row passes unchanged through the mask alone.
        const std::size_t n = 32;
        std::vector<double> x(n, 0.0);
        x[3] = 1.0;
        auto plain = RowFilter::create(n, std::vector<float>(n, 1.0f), 0.99);
        QVERIFY(plain.has_value());
        std::vector<double> got(n);
        QCOMPARE(plain->filter(x, got).noise_floor, 0.0);
        QVERIFY(max_abs_diff(got, x) <= 1e-15);
    }

    void outMayAliasIn() {
        const std::size_t n = 1023;
        auto mask =
            *composite_mask(n, 1e6, std::vector<FilterSpec>{BandPass{90e3, 20e3}, LowPass{300e3, 0.1}});
        auto rf = RowFilter::create(n, mask, 1e-3);
        QVERIFY(rf.has_value());
        auto x = tones(n, 9);
        std::vector<double> separate(n);
        const double f1 = rf->filter(x, separate).noise_floor;
        const double f2 = rf->filter(x, x).noise_floor;
        QVERIFY(f1 == f2);
        QVERIFY(x == separate);
    }

    void magnitudeSpectrumIsShifted() {
        for (std::size_t n : {8u, 9u, 11u}) {
            auto rf = RowFilter::create(n, {}, 0.1);
            QVERIFY(rf.has_value());
            std::vector<double> x(n, 0.0), mag(n);
            x[0] = 1.0;
            x[1] = 1.0; // |X_k| = |1 + e^{-2πik/n}| = 2|cos(πk/n)|
            rf->magnitude_spectrum(x, mag);
            for (std::size_t i = 0; i < n; ++i) {
                const double k = static_cast<double>(i) - static_cast<double>(n / 2);
                QVERIFY(std::fabs(mag[i] - 2 * std::fabs(std::cos(std::numbers::pi * k /
                                                                  static_cast<double>(n)))) < 1e-14);
            }
        }
    }

    void movesAndStaysUsable() {
        auto rf = RowFilter::create(16, std::vector<float>(16, 1.0f), std::nullopt);
        QVERIFY(rf.has_value());
        RowFilter moved = std::move(*rf);
        std::vector<double> x(16, 1.0), y(16);
        moved.filter(x, y);
        QVERIFY(max_abs_diff(x, y) <= 1e-15);
    }

    void createRefuses() {
        auto message = [](const Result<RowFilter>& r) {
            return r                                        ? QString()
                   : r.error().kind == ErrorKind::bad_input ? q(r.error().message)
                                                            : QString("<kind>");
        };
        const QString length = message(RowFilter::create(1024, std::vector<float>(1023, 1.0f), std::nullopt));
        QVERIFY2(length.contains("1023 points") && length.contains("1024"), qPrintable(length));
        QVERIFY(message(RowFilter::create(16, {}, std::nullopt))
                    .contains("no frequency filters and no noise threshold"));
        QVERIFY(message(RowFilter::create(16, {}, 0.0)).contains("noise_threshold = 0"));
        QVERIFY(message(RowFilter::create(16, {}, 1.0)).contains("between 0 and 1"));
        QVERIFY(message(RowFilter::create(16, {}, NAN)).contains("noise_threshold"));
        QVERIFY(message(RowFilter::create(0, {}, 0.5)).contains("0 points"));
        QVERIFY(RowFilter::create(16, {}, 0.5).has_value());
    }
};

QTEST_GUILESS_MAIN(TestRowFilter)
#include "test_row_filter.moc"
