// A scaling study on this computer (--profile local) through sluice-cli, in-process: ONE job of kind
// scaling runs the real engine at 1 and 2 ranks on a row sample, the table is printed and printed again by
// status, the study is kept for suggestions, each run's stats list its ranks, no scratch result is left and
// the source is untouched; submit then notes the suggestion and --suggested uses it.
#include "app.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scaling.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

struct Cli {
    int code = -1;
    std::string out, err;
};

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

class TestLocalScaling : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path src_ = dir_ / "scan.h5";

    Cli cli(std::vector<std::string> args) {
        args.insert(args.begin(), "sluice-cli");
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        argv.push_back(nullptr);
        char *out = nullptr, *err = nullptr;
        std::size_t on = 0, en = 0;
        std::FILE* o = ::open_memstream(&out, &on);
        std::FILE* e = ::open_memstream(&err, &en);
        Cli c;
        c.code = sluice::cli::run(static_cast<int>(args.size()), argv.data(), o, e);
        std::fclose(o);
        std::fclose(e);
        c.out.assign(out, on);
        c.err.assign(err, en);
        std::free(out);
        std::free(err);
        return c;
    }

    std::vector<std::string> study(std::vector<std::string> extra) {
        std::vector<std::string> a{"scaling",        src_.string(),
                                   "--dataset",      kRawData.toStdString(),
                                   "--recipe",       (dir_ / "recipe.json").string(),
                                   "--profile",      "local",
                                   "--max-interval", "1"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

private slots:
    void initTestCase() {
        if (sluice::jobs::physical_cores() < 2) QSKIP("a 2-rank study needs 2 cores");
        if (!sluice::jobs::mpirun_usable()) QSKIP("mpirun cannot run here");
        qputenv("HOME", (dir_ / "home").c_str());
        qputenv("XDG_DATA_HOME", (dir_ / "data").c_str());
        qputenv("XDG_CONFIG_HOME", (dir_ / "config").c_str());
        qputenv("SLUICE_ENGINE", engine_exe().c_str());
        fs::create_directories(dir_ / "home");
        write_text(dir_ / "recipe.json", full_recipe());
        const auto s = synth(src_, 1024, 1024, 4e6, 3);
        QVERIFY2(s.exit_code == 0, qPrintable(s.err));
    }

    void refusedBeforeAnythingRuns() {
        for (const auto& extra : std::vector<std::vector<std::string>>{
                 {"--ranks", "2,1"}, {"--ranks", "1,1"}, {"--ranks", "0,2"}, {"--rows", "0"}}) {
            const auto c = cli(study(extra));
            QVERIFY2(c.code == 2, (c.out + c.err).c_str());
        }
        auto other = study({});
        other[7] = "no-such-profile";
        QCOMPARE(cli(other).code, 2);
        // No study yet: nothing to suggest, and --suggested says so.
        const auto s =
            cli({"submit", src_.string(), "--dataset", kRawData.toStdString(), "--recipe",
                 (dir_ / "recipe.json").string(), "--profile", "local", "--dry-run", "--suggested"});
        QCOMPARE(s.code, 2);
        QVERIFY2(s.err.find("sluice-cli scaling") != std::string::npos, s.err.c_str());
        QVERIFY(cli({"status", "--json"}).out.find("\"scaling\"") == std::string::npos);
    }

    void studyAtOneAndTwoRanks() {
        const auto before = sluice::sha256_file(src_).value();
        const auto c = cli(study({"--ranks", "1,2", "--rows", "256"}));
        QVERIFY2(c.code == 0, (c.out + c.err).c_str());
        for (const auto* column : {"ranks", "sample wall", "rows/s", "start-up", "projected", "speed-up",
                                   "efficiency", "core-hours", "<- recommended", "Recommended: ", "70 %"})
            QVERIFY2(c.out.find(column) != std::string::npos, c.out.c_str());

        // One job, of kind scaling, done; the table again under "scaling".
        const auto all = nlohmann::json::parse(cli({"status", "--json"}).out);
        QCOMPARE(all.size(), std::size_t(1));
        const auto& j = all[0];
        const auto id = j.at("id").get<std::string>();
        QCOMPARE(j.at("kind").get<std::string>(), std::string("scaling"));
        QCOMPARE(j.at("state").get<std::string>(), std::string("done"));
        QCOMPARE(j.at("rows_done").get<int>(), 512); // 256 rows at each of 2 rank counts
        QCOMPARE(j.at("scaling").at("runs").size(), std::size_t(2));
        QCOMPARE(j.at("scaling").at("rows").get<int>(), 1024); // projected for the whole dataset

        const auto again = cli({"status", id});
        QCOMPARE(again.code, 0);
        QVERIFY2(again.out.find("<- recommended") != std::string::npos, again.out.c_str());

        // Kept where the docs say, each run's stats listing its ranks.
        const auto file = dir_ / "data/sluice/scaling" / (id + ".json");
        QCOMPARE(fs::path(j.at("output").get<std::string>()), file);
        auto parsed = sluice::jobs::parse_scaling_json(read_text(file));
        QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->runs.size(), std::size_t(2));
        QCOMPARE(parsed->runs[0].stats_ranks, 1);
        QCOMPARE(parsed->runs[1].stats_ranks, 2);
        QCOMPARE(parsed->runs[1].rows, std::int64_t(256));
        QCOMPARE(parsed->sample_rows, std::int64_t(256));

        // No scratch result left anywhere; the source untouched.
        for (const auto& e : fs::recursive_directory_iterator(dir_ / "data"))
            QVERIFY2(e.path().extension() != ".h5", e.path().c_str());
        for (const auto& e : fs::directory_iterator(dir_.path()))
            QVERIFY2(e.path().extension() != ".h5" || e.path() == src_, e.path().c_str());
        QCOMPARE(sluice::sha256_file(src_).value(), before);

        // submit notes the suggestion; --suggested uses it.
        const auto base = std::vector<std::string>{"submit",    src_.string(),
                                                   "--dataset", kRawData.toStdString(),
                                                   "--recipe",  (dir_ / "recipe.json").string(),
                                                   "--profile", "local",
                                                   "--dry-run"};
        const auto note = cli(base);
        QCOMPARE(note.code, 0);
        QVERIFY2(note.err.find("note: a scaling study suggests") != std::string::npos &&
                     note.err.find(id) != std::string::npos,
                 note.err.c_str());
        auto with = base;
        with.push_back("--suggested");
        const auto used = cli(with);
        QVERIFY2(used.code == 0, used.err.c_str());
        QVERIFY2(used.err.find("using ") != std::string::npos, used.err.c_str());
        const int recommended = j.at("scaling").at("recommended_ranks").get<int>();
        QVERIFY2((used.out.find("mpirun") != std::string::npos) == (recommended > 1), used.out.c_str());
    }
};

QTEST_GUILESS_MAIN(TestLocalScaling)
#include "test_local_scaling.moc"
