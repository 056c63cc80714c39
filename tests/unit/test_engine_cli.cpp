// The sluice-engine executable as users and scripts meet it: every refusal exits 2 with the reason on
// the first stderr line ("sluice-engine: ...") and writes or changes nothing; inspect describes files.
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "h5/attributes.hpp"
#include "h5/handles.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <hdf5.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

std::string file_hash(const fs::path& p) {
    auto h = sluice::sha256_file(p);
    return h ? *h : "(unreadable)";
}

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

} // namespace

class TestEngineCli : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path synth_, text_, truncated_, good_recipe_, bad_recipe_;

    // Exit 2, "sluice-engine: <reason>" first, and the directory unchanged apart from what was there.
    void expect_refusal(const QStringList& args, const QString& reason) {
        expect_refusal(args, QRegularExpression(QRegularExpression::escape(reason)));
    }
    void expect_refusal(const QStringList& args, const QRegularExpression& reason) {
        const auto before_entries = entries(dir_.path());
        const auto before_hash = file_hash(synth_);
        const auto r = run_engine(args);
        QVERIFY2(r.exit_code == 2, qPrintable(QString("exit %1: %2").arg(r.exit_code).arg(r.err)));
        QVERIFY2(r.first_err_line().startsWith("sluice-engine: "), qPrintable(r.err));
        QVERIFY2(r.first_err_line().contains(reason), qPrintable(r.err));
        QCOMPARE(entries(dir_.path()), before_entries); // no output, no temporary left behind
        QCOMPARE(file_hash(synth_), before_hash);
        QVERIFY(!fs::exists(dir_ / "out.h5"));
    }

    QStringList filter_cmd(const fs::path& input, const QString& dataset, const fs::path& recipe) {
        return {"filter",   "--input", q(input),   "--dataset",       dataset,
                "--recipe", q(recipe), "--output", q(dir_ / "out.h5")};
    }

private slots:
    void initTestCase() {
        synth_ = dir_ / "synth.h5";
        const auto r = synth(synth_, 12, 256, 1e6, 4);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));

        text_ = dir_ / "notes.h5";
        write_text(text_, "just some text that happens to be called .h5\n");
        truncated_ = dir_ / "truncated.h5";
        fs::copy_file(synth_, truncated_);
        fs::resize_file(truncated_, fs::file_size(synth_) * 2 / 3);

        good_recipe_ = dir_ / "good.json";
        write_text(
            good_recipe_,
            R"({"format":"sluice-recipe","version":1,"filters":[{"type":"low_pass","cutoff_hz":300000.0}]})");
        bad_recipe_ = dir_ / "bad.json";
        write_text(
            bad_recipe_,
            R"({"format":"sluice-recipe","version":1,"filters":[{"type":"high_shelf","cutoff_hz":300000.0}]})");
    }

    void nonHdf5FileIsRefused() {
        expect_refusal({"inspect", q(text_)}, "is not an HDF5 file");
        expect_refusal(filter_cmd(text_, kRawData, good_recipe_), "is not an HDF5 file");
    }

    void truncatedFileIsRefused() {
        expect_refusal({"inspect", q(truncated_)}, "is truncated");
        expect_refusal({"inspect", q(truncated_)}, "the copy or download is incomplete");
        expect_refusal(filter_cmd(truncated_, kRawData, good_recipe_), "is truncated");
    }

    void datasetThatIsNotMainIsRefused() {
        expect_refusal(filter_cmd(synth_, "/Measurement_000/Channel_000/Position_Values", good_recipe_),
                       "is not an h5USID Main dataset");
        expect_refusal(filter_cmd(synth_, "/Measurement_000/Channel_000/Nope", good_recipe_), "no dataset");
    }

    void unknownFilterTypeIsRefused() {
        expect_refusal(filter_cmd(synth_, kRawData, bad_recipe_), "high_shelf");
    }

    void commandLineTyposAreRefused() {
        // CLI11 reports a misspelt subcommand as a missing one, and a misspelt required option as the
        // missing option; either way the first line says what is wrong.
        expect_refusal({"filtr", "--input", q(synth_)}, QRegularExpression("filtr|subcommand"));
        expect_refusal(
            {"synth", "--output", q(dir_ / "out.h5"), "--rowz", "4", "--points", "8", "--rate", "1000"},
            QRegularExpression("--row"));
        expect_refusal(
            {"synth", "--output", q(dir_ / "out.h5"), "--rows", "0", "--points", "8", "--rate", "1000"},
            QRegularExpression("--rows"));
        expect_refusal({"synth", "--output", q(dir_ / "out.h5"), "--rows", "4", "--points", "8", "--rate",
                        "1000", "--bogus"},
                       QRegularExpression("--bogus"));
        expect_refusal({}, QRegularExpression("subcommand"));
    }

    void missingInputIsRefused() {
        expect_refusal({"inspect", q(dir_ / "absent.h5")}, "absent.h5 does not exist");
    }

    void synthRefusesToOverwrite() {
        expect_refusal({"synth", "--output", q(synth_), "--rows", "4", "--points", "8", "--rate", "1000"},
                       "already exists");
        expect_refusal({"synth", "--output", q(dir_ / "missing" / "x.h5"), "--rows", "4", "--points", "8",
                        "--rate", "1000"},
                       "does not exist");
    }

    // Bytes that are not UTF-8 in a path: a clear refusal, never an abort, nothing left behind.
    void nonUtf8PathsAreRefusedCleanly() {
        const auto before = entries(dir_.path());
        const auto out = (dir_ / "out").string() + "\xe9.h5";
        const auto r =
            run_bytes({engine_exe().string(), "filter", "--input", synth_.string(), "--dataset",
                       kRawData.toStdString(), "--recipe", good_recipe_.string(), "--output", out});
        QVERIFY2(r.exit_code == 2 && !r.crashed,
                 qPrintable(QString("exit %1: %2").arg(r.exit_code).arg(r.err)));
        QVERIFY2(r.first_err_line().contains("--output") && r.first_err_line().contains("is not valid UTF-8"),
                 qPrintable(r.err));
        QCOMPARE(entries(dir_.path()), before);
    }

    void latin1AttributesAreShownNotFatal() {
        const auto file = dir_ / "latin1.h5";
        fs::copy_file(synth_, file);
        {
            sluice::h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
            sluice::h5::Group g(H5Gopen2(f.get(), "/Measurement_000", H5P_DEFAULT));
            QVERIFY(sluice::h5::write_string_attribute(g.get(), "operator", "Jos\xe9").has_value());
            QVERIFY(sluice::h5::write_string_attribute(g.get(), "note", "clear \x1b[2J\x1b]0;title\x07")
                        .has_value());
        }
        auto r = run_engine({"inspect", q(file), "--json"});
        QVERIFY2(r.exit_code == 0 && !r.crashed, qPrintable(r.err));
        const auto doc = nlohmann::json::parse(r.out.toStdString());
        QVERIFY(doc.dump().find("Jos\xEF\xBF\xBD") != std::string::npos); // U+FFFD for the Latin-1 byte
        r = run_engine({"inspect", q(file)});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QString::fromUtf8("@operator = 'Jos\xEF\xBF\xBD'")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(QChar(0x1b)), "an escape sequence from the file reached the terminal");
    }

    // A few KB declaring 2^36 points per row or 2^40 rows: numbers in the message, nothing allocated.
    void declaredHugeShapesAreRefusedWithNumbers() {
        const auto long_rows = dir_ / "long-rows.h5";
        write_declared_main(long_rows, 4, std::uint64_t{1} << 36);
        auto r = run_engine({"inspect", q(long_rows)});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("[h5USID Main: P = 4, N = 68719476736]"), qPrintable(r.out));
        expect_refusal(filter_cmd(long_rows, kRawData, good_recipe_),
                       "filtering rows of 68 719 476 736 points needs 4 TiB; this machine has");

        const auto many_rows = dir_ / "many-rows.h5";
        write_declared_main(many_rows, std::uint64_t{1} << 40, 16);
        r = run_engine({"inspect", q(many_rows), "--json"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        expect_refusal(filter_cmd(many_rows, kRawData, good_recipe_), "not enough free space");
        fs::remove(long_rows);
        fs::remove(many_rows);
    }

    void blockRowsOutOfRangeIsRefused() {
        expect_refusal(filter_cmd(synth_, kRawData, good_recipe_) << "--block-rows"
                                                                  << "2000000",
                       "block rows: 2000000 is not between 1 and 1 048 576");
        expect_refusal(filter_cmd(synth_, kRawData, good_recipe_) << "--block-rows"
                                                                  << "0",
                       "block rows: 0 is not between 1 and 1 048 576");
    }

    void tooManyNoiseBandsAreRefusedUpFront() {
        std::string freqs, widths;
        for (int i = 0; i < 5000; ++i) {
            freqs += (i ? "," : "") + std::to_string(1000 + i);
            widths += (i ? "," : "") + std::string("10");
        }
        const auto recipe = dir_ / "bands.json";
        write_text(recipe,
                   R"({"format":"sluice-recipe","version":1,"filters":[{"type":"noise_band","freqs_hz":[)" +
                       freqs + "],\"widths_hz\":[" + widths + "]}]}");
        expect_refusal(filter_cmd(synth_, kRawData, recipe), "5000 bands, at most 4096 fit");
        // The most that is accepted is also written: the two attributes fit beside the others.
        freqs.clear();
        widths.clear();
        for (int i = 0; i < 4096; ++i) {
            freqs += (i ? "," : "") + std::to_string(1000 + i);
            widths += (i ? "," : "") + std::string("10");
        }
        write_text(recipe,
                   R"({"format":"sluice-recipe","version":1,"filters":[{"type":"noise_band","freqs_hz":[)" +
                       freqs + "],\"widths_hz\":[" + widths + "]}]}");
        const auto r = run_engine(filter_cmd(synth_, kRawData, recipe) << "--quiet");
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        fs::remove(dir_ / "out.h5");
        fs::remove(recipe);
    }

    void unfilterableMainDatasetsSayWhy() {
        const auto image = dir_ / "image.h5";
        auto r = synth(image, 12, 1, 1e6, 4);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        r = run_engine({"inspect", q(image)});
        QVERIFY2(r.out.contains("not filterable: each of its 12 positions holds a single value (N = 1)"),
                 qPrintable(r.out));
        expect_refusal(filter_cmd(image, kRawData, good_recipe_), "like an image");
        fs::remove(image);
    }

    // Filtered_Data copies the source's attributes, but sluice_version takes the place of pyUSID's and
    // sidpy's version attributes, as the documented policy says.
    void resultDoesNotClaimToBePyusid() {
        const auto out = dir_ / "golden-out.h5";
        const auto r =
            run_engine({"filter", "--input", q(golden("p2048-input.h5")), "--dataset", kRawData, "--recipe",
                        q(golden("p2048_lowpass_notch.recipe.json")), "--output", q(out), "--quiet"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        sluice::h5::File f(H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        const std::string group = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
        for (const auto* name : {"/Filtered_Data", "/Noise_Floors", ""}) {
            sluice::h5::Object o(H5Oopen(f.get(), (group + name).c_str(), H5P_DEFAULT));
            QVERIFY(o.valid());
            QVERIFY2(!sluice::h5::has_attribute(o.get(), "pyUSID_version"), name);
            QVERIFY2(!sluice::h5::has_attribute(o.get(), "sidpy_version"), name);
            QVERIFY2(sluice::h5::has_attribute(o.get(), "sluice_version"), name);
        }
        f.reset();
        fs::remove(out);
    }

    // merge --into a link merges the file it points to (the link stays a link), and clears away the
    // full-size copies that killed merges left behind.
    void mergeThroughALinkAndAfterAKilledMerge() {
        const auto sub = dir_ / "merge";
        fs::create_directory(sub);
        const auto source = sub / "scan.h5";
        fs::copy_file(synth_, source);
        const auto result = sub / "scan-filtered.h5";
        auto r = run_engine({"filter", "--input", q(source), "--dataset", kRawData, "--recipe",
                             q(good_recipe_), "--output", q(result), "--quiet"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const auto link = sub / "link.h5";
        fs::create_symlink(source, link);
        const pid_t gone = ::fork();
        if (gone == 0) ::_exit(0);
        ::waitpid(gone, nullptr, 0);
        const auto orphan = sub / (".scan.h5.merging-" + std::to_string(gone));
        write_text(orphan, "a full-size copy of a merge that was killed");

        r = run_engine({"merge", "--result", q(result), "--into", q(link)});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY(fs::is_symlink(link));
        QVERIFY(!fs::exists(orphan));
        QCOMPARE(read_f32(source, "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/Filtered_Data"),
                 read_f32(result, "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/Filtered_Data"));
        fs::remove_all(sub);
    }

    void inspectShowsTreeAndMainDatasets() {
        const auto r = run_engine({"inspect", q(synth_)});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("Raw_Data  float32 (12, 256)  [h5USID Main: P = 12, N = 256]"),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains("Position_Indices  uint32 (12, 2)"), qPrintable(r.out));
        QVERIFY2(r.out.contains("@labels = ['Y', 'X']  (|S1, (2,))"), qPrintable(r.out));
        QVERIFY2(r.out.contains("@IO_samp_rate_[Hz] = 1000000  (float64, scalar)"), qPrintable(r.out));
        QVERIFY2(
            r.out.contains(
                "@Position_Indices = → /Measurement_000/Channel_000/Position_Indices  (object-ref, scalar)"),
            qPrintable(r.out));
        QVERIFY2(r.out.contains("h5USID Main datasets: 1"), qPrintable(r.out));
        QVERIFY2(
            r.out.contains(
                "sample rate 1000000 Hz from attribute IO_samp_rate_[Hz] of /Measurement_000/Channel_000"),
            qPrintable(r.out));
    }

    void inspectJsonIsOneObject() {
        const auto r = run_engine({"inspect", q(synth_), "--json"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const auto doc =
            nlohmann::json::parse(r.out.toStdString()); // throws (and fails the test) if not JSON
        QCOMPARE(doc.at("main_datasets").size(), std::size_t{1});
        const auto& m = doc.at("main_datasets").at(0);
        QCOMPARE(m.at("path").get<std::string>(), kRawData.toStdString());
        QCOMPARE(m.at("rows").get<int>(), 12);
        QCOMPARE(m.at("points").get<int>(), 256);
        QCOMPARE(m.at("dtype").get<std::string>(), std::string("float32"));
        QCOMPARE(m.at("sample_rate_hz").get<double>(), 1e6);
        const auto& channel = doc.at("root").at("children").at(0).at("children").at(0);
        QCOMPARE(channel.at("path").get<std::string>(), std::string("/Measurement_000/Channel_000"));
        bool found = false;
        for (const auto& c : channel.at("children"))
            if (c.at("name") == "Raw_Data") {
                found = true;
                QCOMPARE(c.at("main").get<bool>(), true);
                QCOMPARE(c.at("shape"), nlohmann::json::array({12, 256}));
            }
        QVERIFY(found);
    }

    void inspectGoldenFile() {
        const auto r = run_engine({"inspect", q(golden("p2048_lowpass_notch.h5"))});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("h5USID Main datasets: 3"), qPrintable(r.out));
        QVERIFY2(r.out.contains("sample rate 2000000 Hz"), qPrintable(r.out));
    }
};

QTEST_GUILESS_MAIN(TestEngineCli)
#include "test_engine_cli.moc"
