// The ways of running `filter` that must not change a single number: overlapped or not, independent or
// collective writes, 1 process or 2 ranks; --stats accounts for the run's time; --rows filters a sample.
#include "common/engine_cases.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"

#include <QtTest>
#include <cmath>
#include <filesystem>
#include <hdf5.h>

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
constexpr int kRows = 301, kPoints = 1000;

QJsonObject read_json(const fs::path& p) {
    QFile f(q(p));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// Every phase of one rank's record, checked: nothing negative, the phases add up to the wall time (within
// 5 %), the compute parts are no more than the wall time, and the wall time is no longer than the caller
// saw the run take.
void check_rank(const QJsonObject& r, double elapsed_s, const QString& who) {
    const double wall = r["wall_s"].toDouble();
    QVERIFY2(wall > 0 && wall <= elapsed_s + 0.05,
             qPrintable(QString("%1: wall %2 s, the run took %3 s").arg(who).arg(wall).arg(elapsed_s)));
    double sum = 0;
    const auto phases = r["phases_s"].toObject();
    for (const char* name : {"startup_process", "startup_mpi", "startup_prepare", "startup_open", "read",
                             "compute", "write", "checkpoint", "collectives", "progress", "finish"}) {
        QVERIFY2(phases.contains(name), qPrintable(who + " lacks " + name));
        QVERIFY(phases[name].toDouble() >= 0);
        sum += phases[name].toDouble();
    }
    QCOMPARE(phases.size(), 11);
    QVERIFY2(std::fabs(sum - wall) <= 0.05 * wall,
             qPrintable(QString("%1: phases add up to %2 s, wall %3 s").arg(who).arg(sum).arg(wall)));
    const auto compute = r["compute_s"].toObject();
    const double parts =
        compute["convert"].toDouble() + compute["fft_mask"].toDouble() + compute["noise_floor"].toDouble();
    QVERIFY2(parts > 0 && parts <= wall, qPrintable(QString("%1: compute parts %2 s").arg(who).arg(parts)));
    QVERIFY(compute["noise_floor"].toDouble() > 0); // the recipe has a threshold
    QVERIFY(r["checkpoints"].toInt() >= 1);
}

} // namespace

class TestEngineModes : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path src_, recipe_, reference_;

    void compare_to_reference(const fs::path& out) {
        for (const char* name : {"/Filtered_Data", "/Noise_Floors"})
            QVERIFY2(read_f32(out, kGroup + name) == read_f32(reference_, kGroup + name), name);
        const auto done = read_u8(out, kGroup + "/completed_positions");
        QVERIFY(std::all_of(done.begin(), done.end(), [](auto v) { return v == 1; }));
    }

private slots:
    void initTestCase() {
        src_ = dir_ / "synth.h5";
        recipe_ = dir_ / "recipe.json";
        reference_ = dir_ / "reference.h5";
        QCOMPARE(synth(src_, kRows, kPoints, 1e6, 3).exit_code, 0);
        write_text(recipe_, full_recipe());
        auto r = run_engine(filter_args(src_, recipe_, reference_, 16) << "--overlap"
                                                                       << "off");
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    }

    void overlapAndWriteModesGiveIdenticalResults_data() {
        QTest::addColumn<int>("ranks");
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("1 process, overlapped") << 0 << QStringList{"--overlap", "on"};
        QTest::newRow("2 ranks, overlapped, independent") << 2 << QStringList{"--overlap", "on"};
        QTest::newRow("2 ranks, collective")
            << 2 << QStringList{"--write-mode", "collective", "--overlap", "off"};
        QTest::newRow("2 ranks, collective, overlapped")
            << 2 << QStringList{"--write-mode", "collective", "--overlap", "on"};
    }
    void overlapAndWriteModesGiveIdenticalResults() {
        QFETCH(int, ranks);
        QFETCH(QStringList, extra);
        static int run = 0;
        const auto out = dir_ / ("modes-" + std::to_string(run++) + ".h5");
        // Blocks of 7 rows with a checkpoint every block: many deferred writes and checkpoints.
        auto r = run_engine(filter_args(src_, recipe_, out, 7) << extra << "--checkpoint-seconds"
                                                               << "0.0001",
                            ranks);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_to_reference(out);
    }

    void statsAccountForTheRun_data() {
        QTest::addColumn<int>("ranks");
        QTest::newRow("1 process") << 0;
        QTest::newRow("2 ranks") << 2;
    }
    void statsAccountForTheRun() {
        QFETCH(int, ranks);
        const auto out = dir_ / ("stats-" + std::to_string(ranks) + ".h5"), stats = dir_ / "stats.json";
        fs::remove(stats);
        QElapsedTimer t;
        t.start();
        auto r = run_engine(filter_args(src_, recipe_, out, 32) << "--stats" << q(stats), ranks);
        const double elapsed = static_cast<double>(t.elapsed()) / 1000.0;
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const auto doc = read_json(stats);
        const auto per_rank = doc["ranks"].toArray();
        QCOMPARE(per_rank.size(), qsizetype(std::max(ranks, 1)));
        int rows = 0;
        for (qsizetype i = 0; i < per_rank.size(); ++i) {
            check_rank(per_rank[i].toObject(), elapsed, QString("rank %1").arg(i));
            rows += per_rank[i].toObject()["rows"].toInt();
        }
        const auto total = doc["total"].toObject();
        QCOMPARE(rows, kRows);
        QCOMPARE(total["rows"].toInt(), kRows);
        QCOMPARE(total["ranks"].toInt(), std::max(ranks, 1));
        QVERIFY(total["rows_per_s"].toDouble() > 0);
        const double idle = total["idle_fraction"].toDouble();
        QVERIFY(idle >= 0 && idle < 1);
        if (ranks == 0) QVERIFY(idle < 0.01); // nobody to wait for
        compare_to_reference(out);
    }

    void badRowStopsEveryRankAndKeepsWhatWasDone() {
        // A NaN in row 200 (rank 1's fourth block of 16): both ranks stop at that step, the blocks done
        // before it are checkpointed (and hold the reference's numbers), row 200 is not marked.
        const auto bad = dir_ / "nan-src.h5", out = dir_ / "nan-out.h5";
        fs::copy_file(src_, bad);
        {
            const hid_t f = H5Fopen(bad.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
            const hid_t d = H5Dopen2(f, kRawData.toStdString().c_str(), H5P_DEFAULT);
            const hid_t space = H5Dget_space(d);
            const hsize_t at[2] = {200, 17}, one[2] = {1, 1};
            H5Sselect_hyperslab(space, H5S_SELECT_SET, at, nullptr, one, nullptr);
            const hid_t mem = H5Screate_simple(2, one, nullptr);
            const float nan = NAN;
            QVERIFY(H5Dwrite(d, H5T_NATIVE_FLOAT, mem, space, H5P_DEFAULT, &nan) >= 0);
            H5Sclose(mem);
            H5Sclose(space);
            H5Dclose(d);
            H5Fclose(f);
        }
        auto r = run_engine(filter_args(bad, recipe_, out, 16), 2);
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.err.contains("row 200") && r.err.contains("NaN"), qPrintable(r.err));
        const auto done = read_u8(out, kGroup + "/completed_positions");
        QCOMPARE(done[200], std::uint8_t{0});
        const auto y = read_f32(out, kGroup + "/Filtered_Data"),
                   want = read_f32(reference_, kGroup + "/Filtered_Data");
        int marked = 0;
        for (std::size_t row = 0; row < done.size(); ++row) {
            if (done[row] != 1) continue;
            ++marked;
            QVERIFY2(std::equal(y.begin() + row * kPoints, y.begin() + (row + 1) * kPoints,
                                want.begin() + row * kPoints),
                     qPrintable(QString("row %1").arg(row)));
        }
        QVERIFY2(marked >= 2 * 48,
                 qPrintable(QString("%1 rows marked").arg(marked))); // three blocks on each rank
        QVERIFY(marked < kRows);
    }

    void rowsFilterASampleOnly() {
        const auto out = dir_ / "rows.h5";
        auto r = run_engine(filter_args(src_, recipe_, out, 16) << "--rows"
                                                                << "100:50",
                            2);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const auto done = read_u8(out, kGroup + "/completed_positions");
        for (int i = 0; i < kRows; ++i)
            QVERIFY2(done[static_cast<std::size_t>(i)] == (i >= 100 && i < 150 ? 1 : 0),
                     qPrintable(QString("row %1").arg(i)));
        const auto y = read_f32(out, kGroup + "/Filtered_Data"),
                   want = read_f32(reference_, kGroup + "/Filtered_Data");
        QVERIFY(
            std::equal(y.begin() + 100 * kPoints, y.begin() + 150 * kPoints, want.begin() + 100 * kPoints));
        // Unfinished as far as the file goes: last_pixel stays 0, and merge refuses it.
        QCOMPARE(QString::fromStdString(describe_attributes(out, kGroup).at("last_pixel")),
                 QString("i64 scalar 0"));
        const auto copy = dir_ / "rows-src.h5";
        fs::copy_file(src_, copy);
        r = run_engine({"merge", "--result", q(out), "--into", q(copy)});
        QCOMPARE(r.exit_code, 2);
        // The rest of the file can be filled in by a normal run, which then finishes it.
        r = run_engine(filter_args(src_, recipe_, out, 16));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_to_reference(out);
    }

    void rowsOutsideTheDatasetOrInPlaceAreRefused() {
        const auto out = dir_ / "rows-bad.h5";
        for (const char* bad : {"300:2", "301:1", "0:0", "5", "a:3", "3:-1"}) {
            auto r = run_engine(filter_args(src_, recipe_, out) << "--rows" << bad);
            QVERIFY2(r.exit_code == 2,
                     qPrintable(QString("%1: exit %2 %3").arg(bad).arg(r.exit_code).arg(r.err)));
            QVERIFY2(r.first_err_line().contains("--rows"), qPrintable(r.err));
            QVERIFY(!fs::exists(out));
        }
        const auto copy = dir_ / "rows-inplace.h5";
        fs::copy_file(src_, copy);
        const auto size = fs::file_size(copy);
        auto r = run_engine({"filter", "--input", q(copy), "--dataset", kRawData, "--recipe", q(recipe_),
                             "--in-place", "--rows", "0:10"});
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("--output"), qPrintable(r.err));
        QCOMPARE(fs::file_size(copy), size);
    }
};

QTEST_GUILESS_MAIN(TestEngineModes)
#include "test_engine_modes.moc"
