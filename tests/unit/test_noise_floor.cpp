// shared/signal noise floor (FILTER_SPEC §4): hand-traced iterations, the half-spectrum form against the
// reference, the collapse to 0, and the float32 floors of the pycroscopy golden files.
#include "common/h5_fixtures.hpp"
#include "signal/masks.hpp"
#include "signal/noise_floor.hpp"
#include "signal/row_filter.hpp"

#include <QtTest>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace sluice;
using sluice::signal::BandPass;
using sluice::signal::composite_mask;
using sluice::signal::FilterSpec;
using sluice::signal::LowPass;
using sluice::signal::noise_floor;
using sluice::signal::noise_floor_half;
using sluice::signal::noise_floor_half_sq;
using sluice::signal::NoiseBand;
using sluice::signal::RowFilter;

namespace {

// §4 written out directly, with a plain sequential sum.
double transcription(std::vector<double> a, double tol) {
    auto rms_of = [&] {
        double sum = 0;
        for (double v : a)
            sum += v * v;
        return std::sqrt(sum / (2.0 * static_cast<double>(a.size())));
    };
    const double L = -std::log(tol);
    double rms = rms_of();
    double thr = std::sqrt((2 * (rms * rms)) * L);
    double res = 1;
    int it = 1;
    while (res > 0.01 && it < 50) {
        for (double& v : a)
            if (v > thr) v = 0;
        const double rms_new = rms_of();
        res = std::fabs(rms_new - rms);
        thr = std::sqrt((2 * (rms_new * rms_new)) * L);
        rms = rms_new;
        ++it;
    }
    return thr;
}

// The threshold after a pass that leaves sum(a^2) = sum_sq over n bins.
double thr_for(double sum_sq, double n, double tol) {
    const double rms = std::sqrt(sum_sq / (2 * n));
    return std::sqrt((2 * (rms * rms)) * -std::log(tol));
}

double half_floor(const std::vector<double>& half, std::size_t n, double tol) {
    std::vector<double> scratch(half.size());
    return noise_floor_half(half, n, tol, scratch);
}

double half_floor_sq(const std::vector<double>& half, std::size_t n, double tol) {
    std::vector<double> sq(half.size()), scratch(half.size());
    for (std::size_t k = 0; k < half.size(); ++k)
        sq[k] = half[k] * half[k];
    return noise_floor_half_sq(sq, n, tol, scratch);
}

// The full spectrum's magnitudes (DC first; order does not matter) from the half spectrum's.
std::vector<double> mirrored(const std::vector<double>& half, std::size_t n) {
    std::vector<double> full(half);
    for (std::size_t k = 1; k < (n + 1) / 2; ++k)
        full.push_back(half[k]);
    return full;
}

bool close(double a, double b, double rel) {
    return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/";
const std::string kRaw = "/Measurement_000/Channel_000/Raw_Data";

} // namespace

class TestNoiseFloor : public QObject {
    Q_OBJECT
private slots:
    void handTraceOneRemoval() {
        // Nine 1s and a 20, tol 0.01: pass 1 removes the 20 (thr ≈ 13.7), pass 2 removes nothing (thr
        // ≈ 2.04), so res = 0 and the result is the threshold of sum 9 over 10 bins.
        std::vector<double> a(9, 1.0);
        a.push_back(20);
        const double want = thr_for(9, 10, 0.01);
        QVERIFY(noise_floor(a, 0.01) == want);
        QVERIFY(noise_floor(a, 0.01) == transcription(a, 0.01));
        QVERIFY(std::fabs(want - 2.0358) < 1e-4);
    }

    void handTraceTwoRemovals() {
        // Eight 1s, a 3 and a 20: pass 1 removes 20 (thr ≈ 13.86), pass 2 removes 3 (thr ≈ 2.80), pass 3
        // none.
        std::vector<double> a(8, 1.0);
        a.push_back(3);
        a.push_back(20);
        QVERIFY(noise_floor(a, 0.01) == thr_for(8, 10, 0.01));
        QVERIFY(noise_floor(a, 0.01) == transcription(a, 0.01));
    }

    void residualIsAbsolute() {
        // The same shape at 1/1000 the scale: after pass 1 |rms change| ≈ 3.6e-3 < 0.01, so the loop stops
        // with the 3e-3 bin still counted (it would have been removed at scale 1).
        std::vector<double> a(8, 1e-3);
        a.push_back(3e-3);
        a.push_back(20e-3);
        const double want = thr_for(8 * (1e-3 * 1e-3) + 3e-3 * 3e-3, 10, 0.01);
        QVERIFY(std::fabs(noise_floor(a, 0.01) - want) <= 1e-15 * want);
        QVERIFY(noise_floor(a, 0.01) > 3e-3 * 0.9); // not the two-removal floor (≈ 1.92e-3)
    }

    void collapsesToZero() {
        // tol 0.5: L = ln 2, so thr = sqrt(2 ln 2) * rms ≈ 1.18 rms < max; [3, 4] loses both bins in pass 1.
        QCOMPARE(noise_floor(std::vector<double>{3, 4}, 0.5), 0.0);
        QCOMPARE(half_floor({3, 4}, 2, 0.5), 0.0);
        QCOMPARE(half_floor_sq({3, 4}, 2, 0.5), 0.0);
        std::vector<double> a(9, 1.0);
        a.push_back(20);
        QCOMPARE(noise_floor(a, 0.9), 0.0);
        QCOMPARE(transcription(a, 0.9), 0.0);
    }

    void squaresDecideLikeMagnitudes() {
        // Sweep one bin across the first threshold, where "a > thr" is decided within an ulp: the squared
        // form must zero exactly what the magnitude form zeroes (same sums, so the floors are equal).
        const std::size_t n = 128; // 65 half-spectrum bins: DC and Nyquist once, the rest twice
        std::vector<double> half(n / 2 + 1, 1.0);
        const double L = -std::log(0.01);
        double rest = 0; // weighted sum of squares without bin 7
        for (std::size_t k = 0; k < half.size(); ++k)
            if (k != 7) rest += (k == 0 || k == n / 2 ? 1.0 : 2.0) * half[k] * half[k];
        // b is its own first threshold when b^2 = L (rest + 2 b^2) / n.
        const double b0 = std::sqrt(L * rest / (static_cast<double>(n) - 2 * L));
        int zeroed = 0;
        for (int step = -40; step <= 40; ++step) {
            double b = b0;
            for (int i = 0; i < std::abs(step); ++i)
                b = std::nextafter(b, step < 0 ? 0.0 : 10.0);
            half[7] = b;
            const double by_mag = half_floor(half, n, 0.01), by_sq = half_floor_sq(half, n, 0.01);
            QVERIFY2(by_mag == by_sq,
                     qPrintable(QString("step %1: %2 vs %3").arg(step).arg(by_mag).arg(by_sq)));
            zeroed += by_mag < 0.99 * b0; // bin 7 was removed in pass 1
        }
        QVERIFY(zeroed > 0 && zeroed < 81); // the sweep really crossed the threshold
    }

    void referenceMatchesTranscription() {
        std::mt19937_64 rng(7);
        std::normal_distribution<double> g(0.0, 1.0);
        for (std::size_t n : {5u, 64u, 1000u, 2047u, 9000u})
            for (double tol : {1e-4, 1e-2, 0.3})
                for (double scale : {1e-3, 1.0, 300.0}) {
                    std::vector<double> a(n);
                    for (auto& v : a)
                        v = scale * std::hypot(g(rng), g(rng));
                    a[n / 3] *= 40; // a tone
                    const double ref = noise_floor(a, tol), direct = transcription(a, tol);
                    QVERIFY2(close(ref, direct, 1e-13), qPrintable(QString("%1 vs %2").arg(ref).arg(direct)));
                }
    }

    void halfSpectrumEqualsReference() {
        std::mt19937_64 rng(11);
        std::normal_distribution<double> g(0.0, 1.0);
        for (std::size_t n : {1u, 2u, 3u, 4u, 7u, 16u, 17u, 1023u, 1024u, 2048u, 4097u})
            for (double tol : {1e-4, 1e-3, 1e-2, 0.2})
                for (int trial = 0; trial < 5; ++trial) {
                    std::vector<double> half(n / 2 + 1);
                    for (auto& v : half)
                        v = std::exp(g(rng)) * (1 + 100 * (trial % 2) * (g(rng) > 2));
                    const double ref = noise_floor(mirrored(half, n), tol);
                    const double fast = half_floor(half, n, tol), from_sq = half_floor_sq(half, n, tol);
                    QVERIFY2(close(ref, fast, 1e-13) || ref == fast,
                             qPrintable(QString("n=%1 tol=%2: %3 vs %4").arg(n).arg(tol).arg(ref).arg(fast)));
                    QVERIFY2(
                        close(ref, from_sq, 1e-13) || ref == from_sq,
                        qPrintable(QString("n=%1 tol=%2: %3 vs %4").arg(n).arg(tol).arg(ref).arg(from_sq)));
                }
    }

    void goldenFloors_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("input");
        QTest::addColumn<double>("fs");
        QTest::addColumn<double>("tol");
        QTest::addColumn<int>("setup");
        QTest::newRow("p2048_lowpass_notch") << "p2048_lowpass_notch.h5"
                                             << "p2048-input.h5" << 2e6 << 1e-4 << 0;
        QTest::newRow("p1023_bandpass") << "p1023_bandpass.h5"
                                        << "p1023-input.h5" << 1e6 << 1e-3 << 1;
        QTest::newRow("p1023_threshold_only") << "p1023_threshold_only.h5"
                                              << "p1023-input.h5" << 1e6 << 1e-2 << 2;
    }
    void goldenFloors() {
        QFETCH(QString, file);
        QFETCH(QString, input);
        QFETCH(double, fs);
        QFETCH(double, tol);
        QFETCH(int, setup);
        const std::vector<std::vector<FilterSpec>> setups = {
            {LowPass{400e3, 0.05}, NoiseBand{{250e3}, {10e3}}},
            {BandPass{90e3, 20e3}, LowPass{300e3, 0.1}},
            {}};
        const auto raw = test::read_f32(test::golden(input.toStdString()), kRaw);
        const auto shape = test::dataset_shape(test::golden(input.toStdString()), kRaw);
        const auto want = test::read_f32(test::golden(file.toStdString()), kGroup + "Noise_Floors");
        const std::size_t rows = shape.at(0), n = shape.at(1);
        QCOMPARE(want.size(), rows);

        const auto& filters = setups[static_cast<std::size_t>(setup)];
        std::vector<float> composite;
        if (!filters.empty()) composite = *composite_mask(n, fs, filters);
        auto rf = RowFilter::create(n, composite, tol);
        QVERIFY2(rf.has_value(), rf ? "" : rf.error().message.c_str());
        std::vector<double> row(n), out(n), mag(n);
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < n; ++j)
                row[j] = raw[r * n + j];
            const double floor = rf->filter(row, out).noise_floor;
            QVERIFY2(static_cast<float>(floor) == want[r],
                     qPrintable(
                         QString("row %1: %2 vs %3").arg(r).arg(floor, 0, 'g', 17).arg(want[r], 0, 'g', 9)));
            // The same floor from the reference on the full spectrum (up to summation order).
            rf->magnitude_spectrum(row, mag);
            QVERIFY(close(noise_floor(mag, tol), floor, 1e-13));
        }
    }
};

QTEST_GUILESS_MAIN(TestNoiseFloor)
#include "test_noise_floor.moc"
