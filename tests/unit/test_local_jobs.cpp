// "This computer" as a profile (--profile local) through sluice-cli, called in-process: the job runs the
// real engine detached from the client, lives in the same job store with the same states, is stopped
// (resumable) by cancel and resumed by resume, and a run killed outright is found stopped and resumed.
// Every result must equal a direct engine run. Waits are for states: a run that finishes before the
// test could stop it is repeated with twice the rows.
#include "app.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"

#include <QtTest>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

struct Cli {
    int code = -1;
    std::string out, err;
};

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in, nullptr, false);
}

} // namespace

class TestLocalJobs : public QObject {
    Q_OBJECT
    TempDir dir_;

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

    nlohmann::json job(const std::string& id) {
        const auto c = cli({"status", "--json", id});
        const auto a = nlohmann::json::parse(c.out, nullptr, false);
        return a.is_array() && !a.empty() ? a[0] : nlohmann::json{};
    }

    fs::path job_dir(const std::string& id) const { return dir_ / "data/sluice/jobs" / id; }

    // A source of `rows` rows and its reference result from a direct engine run.
    fs::path source(int rows) {
        const auto src = dir_ / ("scan-" + std::to_string(rows) + ".h5");
        if (fs::exists(src)) return src;
        [&] {
            QVERIFY(synth(src, rows, 4096, 4e6, 3).exit_code == 0);
            const auto r = run_engine(
                filter_args(src, dir_ / "recipe.json", dir_ / ("ref-" + std::to_string(rows) + ".h5")));
            QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        }();
        return src;
    }

    std::string submit(const fs::path& src, int block_rows = 256) {
        const auto c = cli({"submit", src.string(), "--dataset", kRawData.toStdString(), "--recipe",
                            (dir_ / "recipe.json").string(), "--profile", "local", "--block-rows",
                            std::to_string(block_rows)});
        if (c.code != 0) qWarning("submit: %s", c.err.c_str());
        return c.code == 0 ? c.out.substr(c.out.rfind('\n', c.out.size() - 2) + 1, 22) : std::string();
    }

    // Until the engine reports rows done (true) or the job's process is over (false).
    bool wait_mid_run(const std::string& id) {
        for (QDeadlineTimer deadline(120000); !deadline.hasExpired();) {
            const auto p = read_json(job_dir(id) / "progress.json");
            if (p.is_object() && p.value("state", "") == "running" && p.value("rows_done", 0) > 0)
                return true;
            if (fs::exists(job_dir(id) / "status.json") &&
                read_json(job_dir(id) / "status.json").value("state", "running") != "running")
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    void expect_equal_to_reference(const nlohmann::json& j, int rows) {
        const fs::path out = j.at("output").get<std::string>();
        const auto ref = dir_ / ("ref-" + std::to_string(rows) + ".h5");
        QVERIFY(read_f32(out, kGroup + "/Filtered_Data") == read_f32(ref, kGroup + "/Filtered_Data"));
        QVERIFY(read_f32(out, kGroup + "/Noise_Floors") == read_f32(ref, kGroup + "/Noise_Floors"));
    }

private slots:
    void initTestCase() {
        qputenv("HOME", (dir_ / "home").c_str());
        qputenv("XDG_DATA_HOME", (dir_ / "data").c_str());
        qputenv("XDG_CONFIG_HOME", (dir_ / "config").c_str());
        qunsetenv("OMPI_ALLOW_RUN_AS_ROOT"); // as root the engine then runs alone: one process, as here
        qputenv("SLUICE_ENGINE", engine_exe().c_str());
        fs::create_directories(dir_ / "home");
        write_text(dir_ / "recipe.json", full_recipe());
    }

    void localIsAProfileLikeAnyCluster() {
        const auto list = cli({"profile", "list"});
        QCOMPARE(list.code, 0);
        QVERIFY2(list.out.rfind("local ", 0) == 0 &&
                     list.out.find(engine_exe().string()) != std::string::npos,
                 list.out.c_str());
        const auto test = cli({"profile", "test", "local"});
        QVERIFY2(test.code == 0 && test.out.find("ok  sluice-engine") != std::string::npos,
                 (test.out + test.err).c_str());
        const auto remove = cli({"profile", "remove", "local"});
        QCOMPARE(remove.code, 2);
        const auto add = cli({"profile", "add", "local", "--host", "h", "--scratch", "/s"});
        QCOMPARE(add.code, 2);
    }

    void submitWatchDone() {
        const auto src = source(300);
        const auto id = submit(src);
        QVERIFY(!id.empty());
        QCOMPARE(job(id).at("profile").get<std::string>(), std::string("local"));
        const auto w = cli({"watch", "--max-interval", "1", id});
        QVERIFY2(w.code == 0, (w.out + w.err).c_str());
        const auto j = job(id);
        QCOMPARE(j.at("state").get<std::string>(), std::string("done"));
        QCOMPARE(j.at("rows_done").get<int>(), 300);
        QCOMPARE(fs::path(j.at("output").get<std::string>()).parent_path(),
                 src.parent_path()); // beside the source
        expect_equal_to_reference(j, 300);
    }

    // Cancel is a clean stop here: the job is stopped and resumable, and resume completes it.
    void cancelStopsResumablyAndResumeCompletes() {
        for (int rows = 1000; rows <= 16000; rows *= 2) {
            const auto src = source(rows);
            const auto id = submit(src, 1);
            QVERIFY(!id.empty());
            if (!wait_mid_run(id)) { // finished before it could be stopped: a longer run
                QCOMPARE(cli({"watch", "--max-interval", "1", id}).code, 0);
                continue;
            }
            QCOMPARE(cli({"cancel", id}).code, 0);
            for (QDeadlineTimer d(120000); !d.hasExpired() && job(id).at("state") != "stopped";)
                QCOMPARE(cli({"watch", "--once", id}).code, 0);
            auto j = job(id);
            if (j.at("state") != "stopped") {
                QCOMPARE(j.at("state").get<std::string>(),
                         std::string("done")); // the stop came after the last block
                continue;
            }
            QVERIFY(j.at("rows_done").get<int>() < rows);
            QCOMPARE(cli({"resume", id}).code, 0);
            QCOMPARE(cli({"watch", "--max-interval", "1", id}).code, 0);
            j = job(id);
            QCOMPARE(j.at("state").get<std::string>(), std::string("done"));
            QCOMPARE(j.at("submissions").get<int>(), 2);
            expect_equal_to_reference(j, rows);
            return;
        }
        QFAIL("every run finished before it could be stopped");
    }

    // kill -9 of the run (a crash, the computer switched off): found stopped, resumed, complete.
    void killedRunIsFoundStoppedAndResumes() {
        for (int rows = 1000; rows <= 16000; rows *= 2) {
            const auto src = source(rows);
            const auto id = submit(src, 1);
            QVERIFY(!id.empty());
            if (!wait_mid_run(id)) {
                QCOMPARE(cli({"watch", "--max-interval", "1", id}).code, 0);
                continue;
            }
            const auto pid = std::stoi(job(id).at("scheduler_id").get<std::string>());
            ::kill(-pid, SIGKILL); // the job's whole session: script and engine
            for (QDeadlineTimer d(120000); !d.hasExpired() && job(id).at("state") != "stopped";)
                QCOMPARE(cli({"watch", "--once", id}).code, 0);
            auto j = job(id);
            QCOMPARE(j.at("state").get<std::string>(), std::string("stopped"));
            QVERIFY2(j.at("message").get<std::string>().find("without a final status") != std::string::npos,
                     j.dump().c_str());
            QCOMPARE(cli({"resume", id}).code, 0);
            QCOMPARE(cli({"watch", "--max-interval", "1", id}).code, 0);
            j = job(id);
            QCOMPARE(j.at("state").get<std::string>(), std::string("done"));
            expect_equal_to_reference(j, rows);
            return;
        }
        QFAIL("every run finished before it could be killed");
    }
};

QTEST_GUILESS_MAIN(TestLocalJobs)
#include "test_local_jobs.moc"
