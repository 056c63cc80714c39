// shared/signal masks: Python slice semantics and rne, every mask against vectors worked out by hand from
// FILTER_SPEC §2, a transcription of §2 over N = 1..16 (with an independent Python-slice model), the
// pycroscopy golden composites bit for bit, and every refusal with its filter, parameter and bound.
#include "common/h5_fixtures.hpp"
#include "signal/composite.hpp"
#include "signal/masks.hpp"
#include "signal/slice.hpp"

#include <QtTest>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

using namespace sluice;
using sluice::signal::band_pass_mask;
using sluice::signal::BandPass;
using sluice::signal::check_length_and_rate;
using sluice::signal::combine_masks;
using sluice::signal::composite_mask;
using sluice::signal::filter_mask;
using sluice::signal::filter_type_name;
using sluice::signal::FilterSpec;
using sluice::signal::format_number;
using sluice::signal::harmonic_pass_mask;
using sluice::signal::HarmonicPass;
using sluice::signal::low_pass_mask;
using sluice::signal::LowPass;
using sluice::signal::noise_band_mask;
using sluice::signal::NoiseBand;
using sluice::signal::python_slice;
using sluice::signal::rne;

namespace {

using i64 = std::int64_t;
using Mask = std::vector<float>;

const double E0 = 0.5 * (1 + std::erf(-2.5)); // the roll-off edge at t = -2.5
const double E1 = 0.5 * (1 + std::erf(2.5));  // ... and at t = +2.5
float f32(double v) {
    return static_cast<float>(v);
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

template <class T>
QString show(const std::vector<T>& v) {
    QStringList parts;
    for (auto x : v)
        parts << QString::number(static_cast<double>(x), 'g', 9);
    return parts.join(' ');
}

// Exact equality of a successful mask with the expected one, or a failure that prints both.
template <class T>
bool same(const Result<std::vector<T>>& got, const std::vector<float>& want) {
    if (!got) {
        qWarning("refused: %s", got.error().message.c_str());
        return false;
    }
    const std::vector<float> g(got->begin(), got->end());
    if (g == want) return true;
    qWarning("got  %s\nwant %s", qPrintable(show(g)), qPrintable(show(want)));
    return false;
}

// The message of a bad_input refusal ("" if the call succeeded).
template <class T>
QString refusal(const Result<T>& r) {
    if (r) return {};
    return r.error().kind == ErrorKind::bad_input ? q(r.error().message) : QStringLiteral("<wrong kind>");
}
QString refusal(const Status& r) {
    return r ? QString() : q(r.error().message);
}

// ---- An independent model of `mask[a:b] = v` in Python: element i is written iff it lies at or after
// the start and before the stop, where a negative bound counts from the end. `wrapped` records a
// negative bound; `ok` is false where numpy cannot broadcast the value. ----
struct PyModel {
    std::vector<double> m;
    bool wrapped = false, ok = true;
    bool selected(i64 i, std::optional<i64> a, std::optional<i64> b) const {
        const i64 n = static_cast<i64>(m.size());
        const bool after = !a || (*a >= 0 ? i >= *a : i >= *a + n);
        const bool before = !b || (*b >= 0 ? i < *b : i < *b + n);
        return after && before;
    }
    void write(std::optional<i64> a, std::optional<i64> b, const std::vector<double>& v) {
        wrapped = wrapped || (a && *a < 0) || (b && *b < 0);
        std::vector<i64> idx;
        for (i64 i = 0; i < static_cast<i64>(m.size()); ++i)
            if (selected(i, a, b)) idx.push_back(i);
        if (v.size() != 1 && v.size() != idx.size()) {
            ok = false;
            return;
        }
        for (std::size_t j = 0; j < idx.size(); ++j)
            m[static_cast<std::size_t>(idx[j])] = v.size() == 1 ? v[0] : v[j];
    }
    void write(std::optional<i64> a, std::optional<i64> b, double v) { write(a, b, std::vector<double>{v}); }
};

// §2 transcribed on the model; nullopt where pycroscopy raises or wraps, or Sluice refuses on top.
std::optional<Mask> model_low_pass(i64 N, double fs, double fc, double ro) {
    if (fc >= 0.5 * fs) return std::nullopt;
    PyModel p{std::vector<double>(static_cast<std::size_t>(N), 0.0)};
    const i64 c = rne(0.5 * N), s = rne(N * ((ro * fc) / fs)), k = rne(N * (fc / fs));
    std::vector<double> e(static_cast<std::size_t>(s)), one_minus(e.size());
    for (i64 j = 0; j < s; ++j) {
        // numpy linspace(-2.5, 2.5, s): j*step + start, last element = stop; a single point is the start.
        const double t = s == 1 ? -2.5 : j == s - 1 ? 2.5 : j * (5.0 / (s - 1)) + -2.5;
        e[j] = 0.5 * (1 + std::erf(t));
        one_minus[j] = 1 - e[j];
    }
    p.write(c - k, c - k + s, e);
    p.write(c - k + s, c + k - s + 1, 1.0);
    p.write(c + k - s + 1, c + k + 1, one_minus);
    if (!p.ok || p.wrapped) return std::nullopt;
    return Mask(p.m.begin(), p.m.end());
}
std::optional<Mask> model_band_pass(i64 N, double fs, double f, double w) {
    if (f >= 0.5 * fs) return std::nullopt;
    PyModel p{std::vector<double>(static_cast<std::size_t>(N), 0.0)};
    const i64 c = rne(0.5 * N), k = rne(N * (f / fs)), s = rne(c * w / fs);
    if (k < s) return std::nullopt; // Sluice: the bands would overlap across DC
    p.write(c - k - s, c - k + s + 1, 1.0);
    p.write(c + k - s, c + k + s + 1, 1.0);
    if (p.wrapped) return std::nullopt;
    return Mask(p.m.begin(), p.m.end());
}
std::optional<Mask> model_noise_band(i64 N, double fs, double f, double w) {
    PyModel p{std::vector<double>(static_cast<std::size_t>(N), 1.0)};
    const i64 c = rne(0.5 * N), k = rne(N * (f / fs)), s = rne(c * w / fs);
    p.write(c - k - s, c - k + s + 1, 0.0);
    p.write(c + k - s, c + k + s + 1, 0.0);
    if (p.wrapped) return std::nullopt;
    return Mask(p.m.begin(), p.m.end());
}
std::optional<Mask> model_harmonic(i64 N, double fs, double f, double w, i64 nh) {
    PyModel p{std::vector<double>(static_cast<std::size_t>(N), 1.0)};
    const i64 c = rne(0.5 * N), s = rne(c * w / fs), k1 = rne(N * (f / fs));
    if (k1 >= N || nh > N) return std::nullopt; // pycroscopy's TypeError; Sluice's harmonic cap
    p.write(std::max(c - k1 + s + 1, i64{0}), std::min(N, c + k1 - s), 0.0);
    const i64 kL = rne(N * ((nh * f) / fs));
    p.write(std::nullopt, c - kL - s, 0.0);
    p.write(c + kL + s + 1, std::nullopt, 0.0);
    for (i64 m = 1; m < nh; ++m) {
        const i64 ka = rne(N * ((m * f) / fs)), kb = rne(N * (((m + 1) * f) / fs));
        p.write(c - kb + s + 1, c - ka - s, 0.0);
        p.write(c + ka + s + 1, c + kb - s, 0.0);
    }
    if (p.wrapped) return std::nullopt;
    return Mask(p.m.begin(), p.m.end());
}

// The library's answer must be the model's mask, or a refusal exactly where the model has none.
bool agrees(const Result<Mask>& got, const std::optional<Mask>& want, const char* what) {
    if (got.has_value() != want.has_value() || (got && *got != *want)) {
        qWarning("%s: library %s, model %s", what, got ? qPrintable(show(*got)) : got.error().message.c_str(),
                 want ? qPrintable(show(*want)) : "refuses");
        return false;
    }
    return true;
}

const std::string kComposite = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/Composite_Filter";

} // namespace

class TestMasks : public QObject {
    Q_OBJECT
private slots:
    void pythonSliceRules() {
        struct Case {
            std::optional<i64> a, b;
            i64 lo, hi;
            bool wrapped;
        };
        const i64 n = 10;
        const Case cases[] = {
            {std::nullopt, std::nullopt, 0, 10, false}, // rule 1
            {2, 5, 2, 5, false},
            {-3, std::nullopt, 7, 10, true}, // rule 2
            {-15, 4, 0, 4, true},
            {std::nullopt, -1, 0, 9, true},
            {3, 25, 3, 10, false}, // rule 3
            {12, 20, 10, 10, false},
            {6, 2, 6, 2, false},
            {-2, 3, 8, 3, true}, // rule 4: empty
            {0, 0, 0, 0, false},
            {-10, -9, 0, 1, true},
        };
        for (const auto& c : cases) {
            const auto r = python_slice(c.a, c.b, n);
            QCOMPARE(r.lo, c.lo);
            QCOMPARE(r.hi, c.hi);
            QCOMPARE(r.wrapped, c.wrapped);
            QCOMPARE(r.size(), std::max<i64>(c.hi - c.lo, 0));
        }
        // Against the independent model for every pair of bounds around a short array.
        for (i64 len = 0; len <= 6; ++len)
            for (i64 a = -2 * len - 2; a <= 2 * len + 2; ++a)
                for (i64 b = -2 * len - 2; b <= 2 * len + 2; ++b) {
                    PyModel m{std::vector<double>(static_cast<std::size_t>(len), 0.0)};
                    m.write(a, b, 1.0);
                    const auto r = python_slice(a, b, len);
                    for (i64 i = 0; i < len; ++i)
                        QCOMPARE(m.m[static_cast<std::size_t>(i)] == 1.0, i >= r.lo && i < r.hi);
                    QCOMPARE(r.wrapped, m.wrapped);
                }
    }

    void roundHalfToEven() {
        const std::pair<double, i64> cases[] = {
            {2.5, 2},   {3.5, 4},    {499.5, 500}, {0.5, 0},       {1.5, 2},  {-0.5, 0}, {-2.5, -2},
            {-3.5, -4}, {2.4999, 2}, {2.5001, 3},  {1023.5, 1024}, {-0.2, 0}, {7.0, 7}};
        for (auto [x, want] : cases)
            QCOMPARE(rne(x), want);
        QCOMPARE(rne(1e300), i64{1} << 60); // saturates instead of overflowing
        QCOMPARE(rne(-1e300), -(i64{1} << 60));
    }

    void noiseBandByHand() {
        auto nb = [](std::size_t n, double fs, std::vector<double> f, std::vector<double> w) {
            return noise_band_mask(n, fs, NoiseBand{std::move(f), std::move(w)});
        };
        // c = 4, k = 2, s = 0: one bin each side.
        QVERIFY(same(nb(8, 8, {2}, {0}), {1, 1, 0, 1, 1, 1, 0, 1}));
        // N = 7 ≡ 3 (mod 4): c = rne(3.5) = 4 is one above DC (index 3), so f = 0 removes bin +1.
        QVERIFY(same(nb(7, 7, {0}, {0}), {1, 1, 1, 1, 0, 1, 1}));
        // N = 9 ≡ 1 (mod 4): c = rne(4.5) = 4 is the DC index.
        QVERIFY(same(nb(9, 9, {0}, {0}), {1, 1, 1, 1, 0, 1, 1, 1, 1}));
        // c = 5, k = 2, s = rne(5*4/10) = 2: [1:6] and [5:10].
        QVERIFY(same(nb(10, 10, {2}, {4}), {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        // Two bands in order, c = 8: (3 Hz, s = 1) → 4..6 and 10..12; (5 Hz, s = 0) → 3 and 13.
        QVERIFY(same(nb(16, 16, {3, 5}, {2, 0}), {1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1}));
        // Ties go to even: 8*(3/16) = 1.5 → 2 and 8*(5/16) = 2.5 → 2; widths 4*6/16 = 1.5 and 4*10/16 = 2.5
        // → 2.
        QVERIFY(same(nb(8, 16, {3}, {0}), {1, 1, 0, 1, 1, 1, 0, 1}));
        QVERIFY(same(nb(8, 16, {5}, {0}), {1, 1, 0, 1, 1, 1, 0, 1}));
        QVERIFY(same(nb(8, 16, {0}, {6}), {1, 1, 0, 0, 0, 0, 0, 1}));
        QVERIFY(same(nb(8, 16, {0}, {10}), {1, 1, 0, 0, 0, 0, 0, 1}));
        // At Nyquist the upper band [8:9] clips to nothing while the lower one is [0:1]: accepted.
        QVERIFY(same(nb(8, 8, {4}, {0}), {0, 1, 1, 1, 1, 1, 1, 1}));
        // Above it the lower band [-3:-2] would wrap (pycroscopy zeroes index 5 instead): refused.
        QVERIFY(refusal(nb(8, 8, {7}, {0})).contains("noise_band.freqs_hz[0] = 7 Hz"));
        QVERIFY(same(nb(4, 4, {}, {}), {1, 1, 1, 1})); // no bands at all
    }

    void lowPassByHand() {
        auto lp = [](std::size_t n, double fs, double fc, double ro) {
            return low_pass_mask(n, fs, LowPass{fc, ro});
        };
        // s = 1: index c-k = 5 gets e0 and c+k = 11 gets 1-e0, asymmetric.
        QVERIFY(same(lp(16, 16, 3, 0.4), {0, 0, 0, 0, 0, f32(E0), 1, 1, 1, 1, 1, f32(1 - E0), 0, 0, 0, 0}));
        // s = 2: linspace(-2.5, 2.5, 2) = [-2.5, 2.5].
        QVERIFY(same(lp(16, 16, 4, 0.5),
                     {0, 0, 0, 0, f32(E0), f32(E1), 1, 1, 1, 1, 1, f32(1 - E0), f32(1 - E1), 0, 0, 0}));
        // s = 3: t = [-2.5, 0, 2.5], e = [E0, 0.5, E1]; pass band 4..12 around c = 8.
        QVERIFY(same(lp(16, 16, 4, 0.75),
                     {0, 0, 0, 0, f32(E0), 0.5f, f32(E1), 1, 1, 1, f32(1 - E0), 0.5f, f32(1 - E1), 0, 0, 0}));
        // 2s > 2k+1: write 2 selects nothing and write 3 ([8:11]) overwrites index 8 of write 1 ([6:9]).
        QVERIFY(same(lp(16, 16, 2, 1.5),
                     {0, 0, 0, 0, 0, 0, f32(E0), 0.5f, f32(1 - E0), 0.5f, f32(1 - E1), 0, 0, 0, 0, 0}));
        // roll_off 0: a boxcar c-k..c+k.
        QVERIFY(same(lp(8, 8, 2, 0), {0, 0, 1, 1, 1, 1, 1, 0}));
        // N = 7: c = 4, so the pass band is bins -1..+3 (DC is index 3).
        QVERIFY(same(lp(7, 7, 2, 0), {0, 0, 1, 1, 1, 1, 1}));
        // N = 9: c = 4 = DC, so the same cut-off is symmetric (bins -2..+2).
        QVERIFY(same(lp(9, 9, 2, 0), {0, 0, 1, 1, 1, 1, 1, 0, 0}));
        // Cut-off on the last bin with s = 1: write 3 selects nothing, the single value broadcasts.
        QVERIFY(same(lp(16, 16, 7.9, 0.1), {f32(E0), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
    }

    void bandPassByHand() {
        auto bp = [](std::size_t n, double fs, double f, double w) {
            return band_pass_mask(n, fs, BandPass{f, w});
        };
        // c = 8, k = 4, s = rne(8*2/16) = 1.
        QVERIFY(same(bp(16, 16, 4, 2), {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0}));
        // N = 7: c = 4, k = 2, s = 0 → indices 2 and 6, i.e. bins -1 and +3.
        QVERIFY(same(bp(7, 7, 2, 0), {0, 0, 1, 0, 0, 0, 1}));
        // k == s: the two bands meet at c only, which is accepted.
        QVERIFY(same(bp(16, 16, 2, 4), {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
    }

    void harmonicPassByHand() {
        auto hp = [](std::size_t n, double fs, double f, double w, i64 nh) {
            return harmonic_pass_mask(n, fs, HarmonicPass{f, w, nh});
        };
        // c = 16, s = 1, k1 = 4, kL = 8: A zeroes 14..18, B 0..6, C 26..31, the loop 10 and 22.
        Mask want(32, 0.0f);
        for (int i : {7, 8, 9, 11, 12, 13, 19, 20, 21, 23, 24, 25})
            want[static_cast<std::size_t>(i)] = 1;
        QVERIFY(same(hp(32, 32, 4, 2, 2), want));
        // N = 15 ≡ 3 (mod 4): c = 8, s = 0, harmonics at ±3 and ±6 bins around c.
        QVERIFY(same(hp(15, 15, 3, 0, 2), {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1}));
        // One harmonic: A zeroes 14..18, B 0..10, C 22..31 → bands 11..13 and 19..21.
        Mask one(32, 0.0f);
        for (int i : {11, 12, 13, 19, 20, 21})
            one[static_cast<std::size_t>(i)] = 1;
        QVERIFY(same(hp(32, 32, 4, 2, 1), one));
    }

    void transcriptionAgreesForSmallN() {
        for (i64 N = 1; N <= 16; ++N)
            for (double fs : {16.0, 32.0, 1000.0, 44100.0}) {
                const auto n = static_cast<std::size_t>(N);
                for (double fr : {0.0, 0.05, 0.1, 0.125, 0.1875, 0.25, 0.3125, 0.45, 0.49}) {
                    const double f = fr * fs;
                    for (double ro : {0.0, 0.05, 0.3, 0.5, 1.0, 1.5, 2.5})
                        QVERIFY(
                            agrees(low_pass_mask(n, fs, {f, ro}), model_low_pass(N, fs, f, ro), "low_pass"));
                    for (double wr : {0.0, 0.0625, 0.125, 0.25, 0.4, 1.2}) {
                        const double w = wr * fs;
                        QVERIFY(
                            agrees(band_pass_mask(n, fs, {f, w}), model_band_pass(N, fs, f, w), "band_pass"));
                        QVERIFY(agrees(filter_mask(n, fs, NoiseBand{{f}, {w}}), model_noise_band(N, fs, f, w),
                                       "noise_band"));
                        for (i64 nh : {1, 2, 3, 5})
                            QVERIFY(agrees(filter_mask(n, fs, HarmonicPass{f, w, nh}),
                                           model_harmonic(N, fs, f, w, nh), "harmonic_pass"));
                    }
                }
            }
    }

    void goldenComposites_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("fs");
        QTest::addColumn<int>("setup");
        QTest::newRow("p2048_lowpass_notch") << "p2048_lowpass_notch.h5" << 2048 << 2e6 << 0;
        QTest::newRow("p2048_harmonic") << "p2048_harmonic.h5" << 2048 << 2e6 << 1;
        QTest::newRow("p1023_bandpass") << "p1023_bandpass.h5" << 1023 << 1e6 << 2;
    }
    void goldenComposites() {
        QFETCH(QString, file);
        QFETCH(int, n);
        QFETCH(double, fs);
        QFETCH(int, setup);
        const std::vector<std::vector<FilterSpec>> setups = {
            {LowPass{400e3, 0.05}, NoiseBand{{250e3}, {10e3}}},
            {HarmonicPass{20e3, 4e3, 3}},
            {BandPass{90e3, 20e3}, LowPass{300e3, 0.1}},
        };
        const auto want = test::read_f32(test::golden(file.toStdString()), kComposite);
        const auto got =
            composite_mask(static_cast<std::size_t>(n), fs, setups[static_cast<std::size_t>(setup)]);
        QVERIFY2(got.has_value(), got ? "" : got.error().message.c_str());
        QCOMPARE(got->size(), want.size());
        std::size_t differing = 0;
        for (std::size_t i = 0; i < want.size(); ++i)
            differing += (*got)[i] != want[i];
        QCOMPARE(differing, std::size_t{0});
    }

    void compositeRoundsEveryProduct() {
        const std::vector<FilterSpec> two = {LowPass{3e5, 0.3}, LowPass{2.9e5, 0.2}, NoiseBand{{1e5}, {1e4}}};
        const auto a = *low_pass_mask(1000, 1e6, {3e5, 0.3});
        const auto b = *low_pass_mask(1000, 1e6, {2.9e5, 0.2});
        const auto c = *noise_band_mask(1000, 1e6, {{1e5}, {1e4}});
        const auto got = composite_mask(1000, 1e6, two);
        QVERIFY(got.has_value());
        for (std::size_t i = 0; i < a.size(); ++i) {
            const float ab = a[i] * b[i]; // float32 product, rounded before the next factor
            QVERIFY((*got)[i] == ab * static_cast<float>(c[i]));
        }
        // A second build gives the same mask: the first filter is copied, not compounded.
        QVERIFY(*composite_mask(1000, 1e6, two) == *got);
    }

    void refusals_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("fs");
        QTest::addColumn<int>("which");
        QTest::addColumn<QStringList>("parts");
        auto row = [](const char* name, int n, double fs, int which, QStringList parts) {
            QTest::newRow(name) << n << fs << which << parts;
        };
        row("low-pass at Nyquist", 1000, 1e6, 0, {"low_pass.cutoff_hz = 500000 Hz", "Nyquist (500000 Hz)"});
        row("low-pass broadcast", 1000, 1e6, 1,
            {"low_pass.cutoff_hz = 499900 Hz", "Nyquist (500000 Hz)", "25-bin"});
        row("low-pass roll-off", 1000, 1e6, 2,
            {"low_pass.roll_off = 2.5", "cutoff_hz = 400000 Hz", "1000 points"});
        row("negative roll-off", 1000, 1e6, 3, {"low_pass.roll_off = -0.1", "negative"});
        row("negative width", 1000, 1e6, 4, {"noise_band.widths_hz[1] = -5 Hz", "negative"});
        row("noise band wraps", 1000, 1e6, 5,
            {"noise_band.freqs_hz[0] = 700000 Hz with widths_hz[0] = 2000 Hz reaches past Nyquist (500000 "
             "Hz): "
             "the band would wrap"});
        row("band-pass across DC", 1000, 1e6, 6,
            {"band_pass.center_hz = 5000 Hz is closer to DC than half of width_hz = 20000 Hz"});
        row("band-pass wraps", 1000, 1e6, 7,
            {"band_pass.center_hz = 490000 Hz", "width_hz = 40000 Hz", "wrap"});
        row("band-pass at Nyquist", 1000, 1e6, 8, {"band_pass.center_hz = 600000 Hz", "Nyquist (500000 Hz)"});
        row("harmonics past Nyquist", 1000, 1e6, 9,
            {"harmonic_pass: num_harmonics = 6 times first_hz = 100000 Hz is past Nyquist (500000 Hz)"});
        row("harmonic band wraps", 1000, 1e6, 10,
            {"harmonic_pass.band_width_hz = 10000 Hz", "Nyquist (500000 Hz)"});
        row("k1 >= N", 16, 16, 11, {"harmonic_pass.first_hz = 15.5 Hz", "bin 16", "16 points"});
        row("zero harmonics", 1000, 1e6, 12, {"harmonic_pass.num_harmonics = 0"});
        row("negative frequency", 1000, 1e6, 13, {"band_pass.center_hz = -1000 Hz", "negative"});
        row("fractional rate", 1000, 4e6 + 0.5, 14, {"sample rate 4000000.5 Hz is not a whole number of Hz"});
        row("NaN frequency", 1000, 1e6, 15, {"noise_band.freqs_hz[0] = nan Hz", "finite"});
        row("mismatched noise lists", 1000, 1e6, 16, {"noise_band", "freqs_hz has 2", "widths_hz has 1"});
        row("negative first harmonic", 1000, 1e6, 17, {"harmonic_pass.first_hz = -1 Hz", "negative"});
    }
    void refusals() {
        QFETCH(int, n);
        QFETCH(double, fs);
        QFETCH(int, which);
        QFETCH(QStringList, parts);
        const FilterSpec specs[] = {
            LowPass{5e5, 0.05},
            LowPass{499.9e3, 0.05},
            LowPass{4e5, 2.5},
            LowPass{1e5, -0.1},
            NoiseBand{{1e3, 2e3}, {1, -5}},
            NoiseBand{{700e3}, {2e3}},
            BandPass{5e3, 20e3},
            BandPass{490e3, 40e3},
            BandPass{600e3, 1e3},
            HarmonicPass{100e3, 5e3, 6},
            HarmonicPass{100e3, 10e3, 5},
            HarmonicPass{15.5, 0, 1},
            HarmonicPass{1e4, 1e3, 0},
            BandPass{-1e3, 1e3},
            LowPass{1e5, 0.05},
            NoiseBand{{NAN}, {1}},
            NoiseBand{{1, 2}, {1}},
            HarmonicPass{-1, 0, 1},
        };
        const QString message = refusal(filter_mask(static_cast<std::size_t>(n), fs, specs[which]));
        QVERIFY2(!message.isEmpty(), "accepted");
        for (const auto& part : parts)
            QVERIFY2(message.contains(part),
                     qPrintable(QStringLiteral("'%1' not in: %2").arg(part, message)));
    }

    void exactMessages() {
        QCOMPARE(refusal(low_pass_mask(2048, 4e6, {3e6, 0.05})),
                 QStringLiteral("low_pass.cutoff_hz = 3000000 Hz is at or above Nyquist (2000000 Hz)"));
        QCOMPARE(
            refusal(check_length_and_rate(2048, 4e6 + 0.5)),
            QStringLiteral("sample rate 4000000.5 Hz is not a whole number of Hz (pycroscopy requires one)"));
        QVERIFY(check_length_and_rate(2048, 4e6).has_value());
        QVERIFY(refusal(check_length_and_rate(2048, -1e6)).contains("-1000000 Hz"));
        QVERIFY(refusal(check_length_and_rate(2048, 0)).contains("0 Hz"));
        QVERIFY(refusal(check_length_and_rate(2048, INFINITY)).contains("inf Hz"));
        QCOMPARE(q(format_number(3e6)), QStringLiteral("3000000"));
        QCOMPARE(q(format_number(0.05)), QStringLiteral("0.05"));
        QCOMPARE(q(format_number(1.0 / 3)), QStringLiteral("0.3333333333"));
        QCOMPARE(q(format_number(-2.5)), QStringLiteral("-2.5"));
    }

    // Every refusal of a filter names its key (and list element) as data, so a user interface can find
    // the field without reading the message.
    void refusalsNameTheirField() {
        struct Case {
            std::size_t n;
            double fs;
            FilterSpec spec;
            Field field;
        };
        const Case cases[] = {
            {1000, 1e6, LowPass{5e5, 0.05}, {{}, "cutoff_hz", {}}},
            {1000, 1e6, LowPass{4e5, 2.5}, {{}, "roll_off", {}}},
            {1000, 1e6, LowPass{1e5, -0.1}, {{}, "roll_off", {}}},
            {1000, 1e6, NoiseBand{{1e3, 2e3}, {1, -5}}, {{}, "widths_hz", 1}},
            {1000, 1e6, NoiseBand{{1e3, 700e3}, {1, 2e3}}, {{}, "freqs_hz", 1}},
            {1000, 1e6, BandPass{5e3, 20e3}, {{}, "width_hz", {}}},
            {1000, 1e6, BandPass{600e3, 1e3}, {{}, "center_hz", {}}},
            {1000, 1e6, HarmonicPass{100e3, 5e3, 6}, {{}, "num_harmonics", {}}},
            {1000, 1e6, HarmonicPass{100e3, 10e3, 5}, {{}, "band_width_hz", {}}},
            {16, 16, HarmonicPass{15.5, 0, 1}, {{}, "first_hz", {}}},
            {1000, 4e6 + 0.5, LowPass{1e5, 0.05}, {{}, "sample_rate_hz", {}}},
        };
        for (const auto& c : cases) {
            const auto m = filter_mask(c.n, c.fs, c.spec);
            QVERIFY(!m.has_value());
            QVERIFY2(m.error().field.has_value(), m.error().message.c_str());
            QVERIFY2(*m.error().field == c.field, m.error().message.c_str());
        }
    }

    void compositeRefusals() {
        QVERIFY(refusal(composite_mask(1000, 1e6, {})).contains("empty"));
        const std::vector<Mask> masks = {Mask(8, 1.0f), Mask(7, 1.0f)};
        const QString different = refusal(combine_masks(masks));
        QVERIFY2(different.contains("filters[1] has 7 points") && different.contains("filters[0] has 8"),
                 qPrintable(different));
        QVERIFY(refusal(combine_masks({})).contains("no filters"));
        const std::vector<FilterSpec> list = {LowPass{1e5, 0.05}, NoiseBand{{700e3}, {2e3}}};
        const QString indexed = refusal(composite_mask(1000, 1e6, list));
        QVERIFY2(indexed.startsWith("filters[1] (noise_band): noise_band.freqs_hz[0] = 700000 Hz"),
                 qPrintable(indexed));
        // The field travels as data: filter 1's freqs_hz[0].
        const auto error = composite_mask(1000, 1e6, list).error();
        QVERIFY(error.field.has_value());
        QCOMPARE(*error.field, (Field{1, "freqs_hz", 0}));
        QCOMPARE(q(std::string(filter_type_name(list[0]))), QStringLiteral("low_pass"));
        QCOMPARE(q(std::string(filter_type_name(FilterSpec{HarmonicPass{}}))),
                 QStringLiteral("harmonic_pass"));
        QCOMPARE(q(std::string(filter_type_name(FilterSpec{BandPass{}}))), QStringLiteral("band_pass"));
    }
};

QTEST_GUILESS_MAIN(TestMasks)
#include "test_masks.moc"
