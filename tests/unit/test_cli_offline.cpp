// sluice-cli without a cluster, called in-process (the sluice_cli library) with arguments as raw bytes:
// what it must refuse before anything is stored, uploaded or queued, and that odd bytes in names never
// abort it. Everything the engine would refuse is refused here first.
#include "app.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "h5/handles.hpp"

#include <QtTest>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <hdf5.h>
#include <nlohmann/json.hpp>

using namespace sluice::test;
namespace fs = std::filesystem;

class TestCliOffline : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path source_, recipe_;

    EngineRun cli(std::vector<std::string> args) {
        args.insert(args.begin(), {"sluice-cli", "--store", (dir_ / "jobs.sqlite").string(), "--profiles",
                                   (dir_ / "profiles.json").string()});
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        argv.push_back(nullptr);
        char *out = nullptr, *err = nullptr;
        std::size_t out_size = 0, err_size = 0;
        std::FILE* o = ::open_memstream(&out, &out_size);
        std::FILE* e = ::open_memstream(&err, &err_size);
        EngineRun r;
        r.exit_code = sluice::cli::run(static_cast<int>(args.size()), argv.data(), o, e);
        std::fclose(o);
        std::fclose(e);
        r.out = QString::fromUtf8(out, static_cast<qsizetype>(out_size));
        r.err = QString::fromUtf8(err, static_cast<qsizetype>(err_size));
        std::free(out);
        std::free(err);
        return r;
    }

    nlohmann::json jobs() {
        const auto r = cli({"status", "--json"});
        if (r.exit_code != 0) return nullptr;
        return nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    }

    void expect_refused(const std::vector<std::string>& args, const QString& reason) {
        const auto r = cli(args);
        QVERIFY2(r.exit_code == 2 && !r.crashed,
                 qPrintable(QString("exit %1: %2").arg(r.exit_code).arg(r.err)));
        QVERIFY2(r.err.startsWith("sluice-cli: ") && r.err.contains(reason), qPrintable(r.err));
    }

    std::vector<std::string> submit(const fs::path& file, std::vector<std::string> extra = {}) {
        std::vector<std::string> a{"submit",   file.string(),    "--dataset", kRawData.toStdString(),
                                   "--recipe", recipe_.string(), "--profile", "hpc"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

private slots:
    void initTestCase() {
        source_ = dir_ / "scan.h5";
        const auto r = synth(source_, 16, 256, 1e6, 3);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        recipe_ = dir_ / "recipe.json";
        write_text(recipe_, full_recipe(200000.0));
        const auto add =
            cli({"profile", "add", "hpc", "--host", "login.example.org", "--scratch", "/scratch/me"});
        QVERIFY2(add.exit_code == 0, qPrintable(add.err));
    }

    void profileFieldsMustBeUtf8() {
        expect_refused({"profile", "add", "bad", "--host", "h", "--scratch", "/s\xe9"},
                       "scratch_dir \"/s\xEF\xBF\xBD\" is not valid UTF-8");
        const auto list = cli({"profile", "list", "--json"});
        QCOMPARE(list.exit_code, 0);
        QVERIFY(!list.out.contains("\"bad\""));
    }

    // The job script's own variables decide how a job stops and what status.json says.
    void profileCannotSetTheScriptsVariables() {
        for (const char* name : {"stop_requested", "started", "engine_rc", "IFS", "BASH_ENV", "BASH_ARGV0"})
            expect_refused({"profile", "add", "env", "--host", "h", "--scratch", "/s", "--env",
                            std::string(name) + "=1"},
                           "is used by the job script or the shell itself");
        const auto ok =
            cli({"profile", "add", "env", "--host", "h", "--scratch", "/s", "--env", "OMP_NUM_THREADS=1"});
        QVERIFY2(ok.exit_code == 0, qPrintable(ok.err));
    }

    // `profile add --directive/--prologue`, refused like any directive, shown by `submit --dry-run`.
    void scriptAdditionsFromTheCommandLine() {
        expect_refused({"profile", "add", "adds", "--host", "h", "--scratch", "/s", "--directive=--uid=0"},
                       "extra_directives[0]: --uid is not an sbatch option");
        expect_refused(
            {"profile", "add", "adds", "--host", "h", "--scratch", "/s", "--directive=--time=9:00"},
            "Walltime");
        const auto add =
            cli({"profile", "add", "adds", "--host", "h", "--scratch", "/s",
                 "--directive=--constraint=haswell", "--directive=--exclusive", "--prologue",
                 "module load cray-hdf5-parallel", "--prologue", "source '/opt/my site/env.sh'"});
        QVERIFY2(add.exit_code == 0, qPrintable(add.err));
        auto a = submit(source_, {"--dry-run"});
        a[7] = "adds"; // --profile
        const auto dry = cli(a);
        QVERIFY2(dry.exit_code == 0, qPrintable(dry.err));
        QVERIFY2(dry.out.contains("#SBATCH --constraint=haswell\n#SBATCH --exclusive\n"),
                 qPrintable(dry.out));
        QVERIFY(dry.out.contains("eval 'module load cray-hdf5-parallel'\n"));
        QVERIFY(dry.out.contains("eval 'source '\\''/opt/my site/env.sh'\\'''\n"));
    }

    void whatTheEngineRefusesIsRefusedBeforeUpload() {
        expect_refused(submit(source_, {"--block-rows", "2000000", "--dry-run"}),
                       "block rows: 2000000 is not between 1 and 1 048 576");
        expect_refused(submit(source_, {"--block-rows", "2000000"}), "block rows: 2000000");
        const auto bands = dir_ / "bands.json";
        std::string list;
        for (int i = 0; i < 5000; ++i)
            list += (i ? "," : "") + std::to_string(1000 + i);
        write_text(bands,
                   R"({"format":"sluice-recipe","version":1,"filters":[{"type":"noise_band","freqs_hz":[)" +
                       list + "],\"widths_hz\":[" + list + "]}]}");
        expect_refused({"submit", source_.string(), "--dataset", kRawData.toStdString(), "--recipe",
                        bands.string(), "--profile", "hpc"},
                       "5000 bands, at most 4096 fit");
        QCOMPARE(jobs().size(), std::size_t{0}); // nothing stored, so nothing is ever uploaded
    }

    void latin1FileNameIsRefusedAndStatusStaysReadable() {
        const auto latin1 = fs::path(dir_.path().string() + "/lat\xe9.h5");
        fs::copy_file(source_, latin1);
        expect_refused(submit(latin1), "is not valid UTF-8");
        const auto status = cli({"status", "--json"});
        QVERIFY2(status.exit_code == 0 && !status.crashed, qPrintable(status.err));
        QCOMPARE(jobs().size(), std::size_t{0});
    }

    // A dataset literally named "--weird" reaches the engine as an absolute path, never as an option.
    void datasetNamesThatLookLikeOptionsAreMadeAbsolute() {
        const auto file = dir_ / "weird.h5";
        fs::copy_file(source_, file);
        {
            sluice::h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
            QVERIFY(H5Lcreate_hard(f.get(), kRawData.toStdString().c_str(), f.get(), "--weird", H5P_DEFAULT,
                                   H5P_DEFAULT) >= 0);
        }
        const auto r = cli({"submit", file.string(), "--dataset=--weird", "--recipe", recipe_.string(),
                            "--profile", "hpc", "--dry-run"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("'--dataset' '/--weird'"), qPrintable(r.out));
        const auto engine = run_engine({"filter", "--input", q(file), "--dataset", "/--weird", "--recipe",
                                        q(recipe_), "--output", q(dir_ / "weird-out.h5"), "--quiet"});
        QVERIFY2(engine.exit_code == 0, qPrintable(engine.err));
    }
};

QTEST_GUILESS_MAIN(TestCliOffline)
#include "test_cli_offline.moc"
