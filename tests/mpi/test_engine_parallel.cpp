// 2 ranks == 1 process == shared/signal on every row; resume identity refusals; merge refusals;
// pycroscopy's reuse rules in place.
#include "common/engine_cases.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"
#include "recipe/recipe.hpp"
#include "signal/row_filter.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <filesystem>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {
const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
}

class TestEngineParallel : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path src_, recipe_;

private slots:
    void initTestCase() {
        src_ = dir_ / "synth.h5";
        recipe_ = dir_ / "recipe.json";
        auto r = synth(src_, 301, 1000, 1e6, 3); // odd row count: uneven shares and a short last block
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        write_text(recipe_, full_recipe());
    }

    void twoRanksEqualOneProcessEqualSharedSignal() {
        const auto one = dir_ / "one.h5", two = dir_ / "two.h5";
        auto r1 = run_engine(filter_args(src_, recipe_, one, 37));
        QVERIFY2(r1.exit_code == 0, qPrintable(r1.err));
        auto r2 = run_engine(filter_args(src_, recipe_, two, 16), 2);
        QVERIFY2(r2.exit_code == 0, qPrintable(r2.err));

        const auto y1 = read_f32(one, kGroup + "/Filtered_Data");
        const auto y2 = read_f32(two, kGroup + "/Filtered_Data");
        QCOMPARE(y1.size(), std::size_t{301 * 1000});
        QVERIFY(y1 == y2);
        QVERIFY(read_f32(one, kGroup + "/Noise_Floors") == read_f32(two, kGroup + "/Noise_Floors"));

        // The same numbers straight from shared/signal, row by row.
        auto recipe = recipe::load_recipe(recipe_);
        QVERIFY(recipe.has_value());
        auto composite = recipe::validate_for_dataset(*recipe, 1000, 1e6);
        QVERIFY(composite.has_value());
        auto filter = signal::RowFilter::create(1000, *composite, recipe->noise_threshold);
        QVERIFY(filter.has_value());
        const auto x = read_f64(src_, "/Measurement_000/Channel_000/Raw_Data");
        const auto floors = read_f32(one, kGroup + "/Noise_Floors");
        std::vector<double> out(1000);
        for (std::size_t row = 0; row < 301; ++row) {
            const auto res = filter->filter(std::span(x).subspan(row * 1000, 1000), out);
            QCOMPARE(floors[row], static_cast<float>(res.noise_floor));
            for (std::size_t i = 0; i < 1000; ++i)
                if (static_cast<float>(out[i]) != y1[row * 1000 + i])
                    QFAIL(qPrintable(QString("row %1 point %2 differs from shared/signal").arg(row).arg(i)));
        }
        const auto attrs = describe_attributes(two, kGroup);
        QCOMPARE(QString::fromStdString(attrs.at("last_pixel")), QString("i64 scalar 301"));
        QCOMPARE(QString::fromStdString(attrs.at("num_pix")), QString("i64 scalar 301"));
    }

    void completeResultIsNotRecomputed() {
        const auto out = dir_ / "done.h5";
        QCOMPARE(run_engine(filter_args(src_, recipe_, out)).exit_code, 0);
        const auto before = fs::last_write_time(out);
        auto r = run_engine({"filter", "--input", q(src_), "--dataset", kRawData, "--recipe", q(recipe_),
                             "--output", q(out)});
        QCOMPARE(r.exit_code, 0);
        QVERIFY2(r.err.contains("already complete"), qPrintable(r.err));
        QCOMPARE(fs::last_write_time(out), before);
    }

    void resumeRefusesAnotherRecipeOrSource() {
        const auto out = dir_ / "identity.h5";
        QCOMPARE(run_engine(filter_args(src_, recipe_, out)).exit_code, 0);
        const auto bytes = fs::file_size(out);

        const auto other_recipe = dir_ / "other.json";
        write_text(other_recipe, full_recipe(250000.0));
        auto r = run_engine(filter_args(src_, other_recipe, out));
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("another recipe"), qPrintable(r.err));

        const auto other_src = dir_ / "other-source.h5";
        QCOMPARE(synth(other_src, 301, 1000, 1e6, 99).exit_code, 0);
        r = run_engine(filter_args(other_src, recipe_, out));
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("another source"), qPrintable(r.err));

        r = run_engine(filter_args(src_, recipe_, out) << "--no-resume");
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("--no-resume"), qPrintable(r.err));
        QCOMPARE(fs::file_size(out), bytes);
    }

    void mergeRefusesChangedSourceAndIncompleteResult() {
        const auto src = dir_ / "merge-src.h5", out = dir_ / "merge-out.h5";
        fs::copy_file(src_, src);
        QCOMPARE(run_engine(filter_args(src, recipe_, out)).exit_code, 0);
        fs::last_write_time(src, fs::last_write_time(src) + std::chrono::seconds(5)); // "someone touched it"
        const auto size = fs::file_size(src);
        auto r = run_engine({"merge", "--result", q(out), "--into", q(src)});
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("changed since the result was made"), qPrintable(r.err));
        QCOMPARE(fs::file_size(src), size);

        // A result made with the source's SHA-256 is checked by content instead: a file of the same shape
        // but other numbers is refused, the same bytes are accepted even though the mtime changed.
        const auto out2 = dir_ / "merge-out2.h5", other = dir_ / "merge-other.h5";
        QCOMPARE(synth(other, 301, 1000, 1e6, 42).exit_code, 0);
        auto sha = sluice::sha256_file(src);
        QVERIFY(sha.has_value());
        QCOMPARE(
            run_engine(filter_args(src, recipe_, out2) << "--source-sha256" << QString::fromStdString(*sha))
                .exit_code,
            0);
        r = run_engine({"merge", "--result", q(out2), "--into", q(other)});
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("SHA-256"), qPrintable(r.err));
        r = run_engine({"merge", "--result", q(out2), "--into", q(src)});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY(describe_members(src, "/Measurement_000/Channel_000").count("Raw_Data-FFT_Filtering_000"));

        // An unfinished result (stopped by its time limit after the first block) is not merged.
        const auto partial = dir_ / "merge-partial.h5", fresh = dir_ / "merge-fresh.h5";
        fs::copy_file(src_, fresh);
        r = run_engine(filter_args(fresh, recipe_, partial, 1) << "--time-limit"
                                                               << "0.001");
        QCOMPARE(r.exit_code, 3);
        r = run_engine({"merge", "--result", q(partial), "--into", q(fresh)});
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("incomplete"), qPrintable(r.err));
        QVERIFY(!describe_members(fresh, "/Measurement_000/Channel_000").count("Raw_Data-FFT_Filtering_000"));
    }

    void inPlaceReusesMatchingGroupAndNumbersNewOnes() {
        const auto f = dir_ / "inplace.h5";
        fs::copy_file(src_, f);
        const QStringList base{"filter", "--input",    q(f),      "--dataset",
                               kRawData, "--in-place", "--quiet", "--recipe"};
        QCOMPARE(run_engine(base + QStringList{q(recipe_)}).exit_code, 0);
        QCOMPARE(run_engine(base + QStringList{q(recipe_)}).exit_code, 0); // complete: reused
        const auto other = dir_ / "inplace-other.json";
        write_text(other, full_recipe(200000.0));
        QCOMPARE(run_engine(base + QStringList{q(other)}, 2).exit_code, 0);
        const auto members = describe_members(f, "/Measurement_000/Channel_000");
        QVERIFY(members.count("Raw_Data-FFT_Filtering_000"));
        QVERIFY(members.count("Raw_Data-FFT_Filtering_001"));
        QVERIFY(!members.count("Raw_Data-FFT_Filtering_002"));
    }

    void progressFileSaysDone() {
        const auto out = dir_ / "progress.h5", progress = dir_ / "progress.json";
        auto r = run_engine(filter_args(src_, recipe_, out) << "--progress" << q(progress));
        QCOMPARE(r.exit_code, 0);
        QFile f(q(progress));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc["state"].toString(), QString("done"));
        QCOMPARE(doc["rows_done"].toInt(), 301);
        QCOMPARE(doc["rows_total"].toInt(), 301);
        QVERIFY(doc.contains("rows_per_s") && doc.contains("eta_s"));
        QVERIFY(QDateTime::fromString(doc["updated"].toString(), Qt::ISODate).isValid());
    }
};

QTEST_GUILESS_MAIN(TestEngineParallel)
#include "test_engine_parallel.moc"
