// The pycroscopy golden files reproduced through sluice-engine: in place under 2 MPI ranks, and through
// --output + merge, compared dataset by dataset and attribute by attribute (types included).
#include "common/engine_runner.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"

#include <QtTest>
#include <filesystem>

using namespace sluice;
namespace fs = std::filesystem;

namespace {

const std::string kDataset = "/Measurement_000/Channel_000/Raw_Data";
const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

bool is_bookkeeping(const std::string& name) {
    return name == "machine_id" || name == "timestamp" || name == "platform" || name == "sidpy_version" ||
           name == "pyUSID_version";
}

// Every attribute pycroscopy wrote (but its run book-keeping) must be ours too, with the same type and
// value; ours may add only book-keeping and sluice_* attributes (FILTER_SPEC policy).
void compare_attributes(const fs::path& ours, const fs::path& golden, const std::string& path,
                        bool standalone) {
    const auto a = test::describe_attributes(ours, path);
    const auto g = test::describe_attributes(golden, path);
    for (const auto& [name, value] : g) {
        if (is_bookkeeping(name)) continue;
        if (standalone && name == "source_000") continue;
        QVERIFY2(a.count(name), qPrintable(QString::fromStdString(path + ": missing attribute " + name)));
        QCOMPARE(QString::fromStdString(name + " = " + a.at(name)),
                 QString::fromStdString(name + " = " + value));
    }
    for (const auto& [name, value] : a) {
        if (g.count(name) || is_bookkeeping(name) || name.rfind("sluice_", 0) == 0) continue;
        QFAIL(qPrintable(QString::fromStdString(path + ": unexpected attribute " + name + " = " + value)));
    }
}

void compare_group(const fs::path& ours, const fs::path& golden, bool standalone) {
    QCOMPARE(test::describe_members(ours, kGroup), test::describe_members(golden, kGroup));
    compare_attributes(ours, golden, kGroup, standalone);
    const auto members = test::describe_members(golden, kGroup);
    for (const auto& [name, kind] : members)
        compare_attributes(ours, golden, kGroup + "/" + name, standalone);

    if (members.count("Composite_Filter"))
        QVERIFY(test::read_f32(ours, kGroup + "/Composite_Filter") ==
                test::read_f32(golden, kGroup + "/Composite_Filter"));
    if (members.count("Noise_Floors"))
        QVERIFY(test::read_f32(ours, kGroup + "/Noise_Floors") ==
                test::read_f32(golden, kGroup + "/Noise_Floors"));
    const auto done = test::read_u8(ours, kGroup + "/completed_positions");
    QVERIFY(std::all_of(done.begin(), done.end(), [](auto v) { return v == 1; }));

    const auto y = test::read_f32(ours, kGroup + "/Filtered_Data");
    const auto gy = test::read_f32(golden, kGroup + "/Filtered_Data");
    QCOMPARE(y.size(), gy.size());
    std::int64_t worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        worst = std::max(worst, test::ulp_distance(y[i], gy[i]));
    QVERIFY2(worst <= 2, qPrintable(QString("Filtered_Data differs by %1 ulp").arg(worst)));
}

// Nothing outside the results group changes (Raw_Data, ancillaries, their attributes).
void compare_outside_group(const fs::path& ours, const fs::path& input) {
    auto members = test::describe_members(ours, "/Measurement_000/Channel_000");
    members.erase("Raw_Data-FFT_Filtering_000");
    QCOMPARE(members, test::describe_members(input, "/Measurement_000/Channel_000"));
    QVERIFY(test::read_f32(ours, kDataset) == test::read_f32(input, kDataset));
    QCOMPARE(test::describe_attributes(ours, kDataset), test::describe_attributes(input, kDataset));
    QCOMPARE(test::describe_attributes(ours, "/Measurement_000/Channel_000"),
             test::describe_attributes(input, "/Measurement_000/Channel_000"));
}

} // namespace

class TestEngineGolden : public QObject {
    Q_OBJECT
private slots:
    void goldenCases_data() {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("input");
        QTest::newRow("lowpass_notch") << "p2048_lowpass_notch"
                                       << "p2048-input.h5";
        QTest::newRow("harmonic") << "p2048_harmonic"
                                  << "p2048-input.h5";
        QTest::newRow("bandpass") << "p1023_bandpass"
                                  << "p1023-input.h5";
        QTest::newRow("threshold_only") << "p1023_threshold_only"
                                        << "p1023-input.h5";
    }

    void goldenCases() {
        QFETCH(QString, setup);
        QFETCH(QString, input);
        const auto golden = test::golden(setup.toStdString() + ".h5");
        const auto recipe =
            QString::fromStdString(test::golden(setup.toStdString() + ".recipe.json").string());
        const auto source = test::golden(input.toStdString());
        test::TempDir dir;

        // In place, 2 ranks: what job scripts do on a scratch copy.
        const auto in_place = dir / "in_place.h5";
        fs::copy_file(source, in_place);
        auto r =
            test::run_engine({"filter", "--input", QString::fromStdString(in_place.string()), "--dataset",
                              QString::fromStdString(kDataset), "--recipe", recipe, "--in-place", "--quiet"},
                             2);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_group(in_place, golden, false);
        compare_outside_group(in_place, source);

        // Standalone result, one process, then merged into a copy of the source.
        const auto src = dir / "source.h5";
        const auto out = dir / "result.h5";
        fs::copy_file(source, src);
        r = test::run_engine({"filter", "--input", QString::fromStdString(src.string()), "--dataset",
                              QString::fromStdString(kDataset), "--recipe", recipe, "--output",
                              QString::fromStdString(out.string()), "--quiet"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_group(out, golden, true);
        r = test::run_engine({"merge", "--result", QString::fromStdString(out.string()), "--into",
                              QString::fromStdString(src.string())});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Raw_Data-FFT_Filtering_000"));
        compare_group(src, golden, false);
        compare_outside_group(src, source);
        for (const auto& e : fs::directory_iterator(dir.path()))
            QVERIFY2(e.path().filename().string()[0] != '.', "a temporary file was left behind");
    }
};

QTEST_GUILESS_MAIN(TestEngineGolden)
#include "test_engine_golden.moc"
