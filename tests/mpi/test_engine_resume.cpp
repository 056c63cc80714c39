// Crash safety: SIGKILL at random moments (checkpoints every 20 ms and every 10 s), SIGUSR1 through mpirun
// and --time-limit all leave a file that resumes to datasets identical to an uninterrupted run; a full disk
// is refused up front.
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <csignal>
#include <filesystem>
#include <random>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

void compare_results(const fs::path& a, const fs::path& b) {
    for (const char* name : {"/Filtered_Data", "/Noise_Floors", "/Composite_Filter"})
        QVERIFY2(read_f32(a, kGroup + name) == read_f32(b, kGroup + name), name);
    const auto done = read_u8(a, kGroup + "/completed_positions");
    QVERIFY(std::all_of(done.begin(), done.end(), [](auto v) { return v == 1; }));
}

} // namespace

class TestEngineResume : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path src_, recipe_, reference_;

private slots:
    void initTestCase() {
        src_ = dir_ / "synth.h5";
        recipe_ = dir_ / "recipe.json";
        reference_ = dir_ / "reference.h5";
        QCOMPARE(synth(src_, 1500, 2048, 1e6, 5).exit_code, 0);
        write_text(recipe_, full_recipe());
        auto r = run_engine(filter_args(src_, recipe_, reference_, 8));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    }

    void sigkillAtRandomMomentsThenResume_data() {
        QTest::addColumn<QString>("checkpoint_s");
        QTest::newRow("checkpoint every 20 ms") << "0.02";
        QTest::newRow("default checkpoints (10 s)") << "10";
    }
    void sigkillAtRandomMomentsThenResume() {
        // Kill moments are counted from the moment the ranks enter the block loop (the progress file says
        // "running"), so that start-up time, which varies most on a loaded machine, does not decide them.
        QFETCH(QString, checkpoint_s);
        const auto timing = dir_ / "timing.h5", out = dir_ / "killed.h5", progress = dir_ / "killed.json";
        fs::remove(timing);
        fs::remove(out);
        auto args = [&](const fs::path& o) {
            return filter_args(src_, recipe_, o, 8)
                   << "--checkpoint-seconds" << checkpoint_s << "--progress" << q(progress);
        };
        // Waits until the loop runs; false if the engine ended first.
        auto wait_for_loop = [&](qint64 pid) {
            for (;;) {
                QFile f(q(progress));
                if (f.open(QIODevice::ReadOnly)) {
                    const auto state = QJsonDocument::fromJson(f.readAll()).object()["state"].toString();
                    if (!state.isEmpty() && state != "starting") return true;
                }
                if (!sluice::process_exists(pid)) return false; // mpirun ended (a zombie counts as ended)
                std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
        };
        QElapsedTimer t;
        int loop_ms = 0;
        fs::remove(progress);
        QCOMPARE(run_engine(args(timing), 2, std::chrono::minutes(2),
                            [&](qint64 pid) {
                                if (wait_for_loop(pid)) t.start();
                            })
                     .exit_code,
                 0);
        loop_ms = t.isValid() ? static_cast<int>(t.elapsed()) : 1000; // includes waiting for mpirun to end
        std::mt19937 rng(12345);
        // Kill moments are drawn from [lo, hi], which follows what the kills found rather than how fast this
        // machine was when timed: a run that finished before its kill lowers hi and, with frequent
        // checkpoints, a kill that found nothing marked raises lo, until some kill lands between a
        // checkpoint and the end.
        const bool frequent = checkpoint_s != "10";
        int lo = 0, hi = std::max(2, loop_ms);
        int killed_mid_run = 0, partly_marked = 0;
        for (int attempt = 0; attempt < 80 && (killed_mid_run < 10 || (frequent && partly_marked == 0));
             ++attempt) {
            if (hi <= lo + 1) hi = lo + std::max(2, lo); // the pace changed under us: widen again
            const int delay = std::uniform_int_distribution<int>(lo, hi)(rng);
            fs::remove(progress);
            auto r = run_engine(args(out), 2, std::chrono::minutes(2), [&](qint64 pid) {
                if (!wait_for_loop(pid)) return;
                std::this_thread::sleep_for(std::chrono::milliseconds(delay));
                for (auto rank : child_pids(pid))
                    ::kill(static_cast<pid_t>(rank), SIGKILL); // both ranks at once
                ::kill(static_cast<pid_t>(pid), SIGKILL);
            });
            long marked = 0;
            if (fs::exists(out)) {
                // Whatever the moment, the file's metadata stays readable, and every row marked done holds
                // exactly the reference's numbers (the data was durable before its mark).
                const auto done = read_u8(out, kGroup + "/completed_positions");
                QVERIFY(!done.empty());
                marked = std::count(done.begin(), done.end(), 1);
                partly_marked += marked > 0 && marked < static_cast<long>(done.size());
                const auto y = read_f32(out, kGroup + "/Filtered_Data"),
                           want = read_f32(reference_, kGroup + "/Filtered_Data");
                const auto floors = read_f32(out, kGroup + "/Noise_Floors"),
                           want_floors = read_f32(reference_, kGroup + "/Noise_Floors");
                const std::size_t n = y.size() / done.size();
                for (std::size_t row = 0; row < done.size(); ++row)
                    if (done[row] == 1 &&
                        (floors[row] != want_floors[row] ||
                         !std::equal(y.begin() + row * n, y.begin() + (row + 1) * n, want.begin() + row * n)))
                        QFAIL(qPrintable(QString("row %1 is marked done but its data differs").arg(row)));
            }
            if (r.exit_code == 0 && !r.crashed) {
                // Finished before the kill: kill earlier from now on, and start over so that later kills
                // hit a partial file.
                hi = std::max(lo + 1, delay - 1);
                fs::remove(out);
                continue;
            }
            ++killed_mid_run;
            if (frequent && marked == 0) lo = std::min(delay, hi - 1);
        }
        QVERIFY2(killed_mid_run >= 10,
                 qPrintable(QString("only %1 kills landed mid-run").arg(killed_mid_run)));
        // With frequent checkpoints some kills must land after a checkpoint and before the end.
        if (frequent) QVERIFY2(partly_marked > 0, "no killed run had checkpointed part of its rows");
        auto r = run_engine(args(out), 2);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_results(out, reference_);
        for (const auto& e : fs::directory_iterator(dir_.path()))
            QVERIFY2(e.path().filename().string().rfind(".killed.h5.creating-", 0) != 0,
                     "a killed run's temporary file was not cleaned up");
    }

    void sigusr1ToMpirunStopsResumably() {
        const auto out = dir_ / "usr1.h5", progress = dir_ / "usr1.json";
        auto state = [&] {
            QFile f(q(progress));
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                               : QJsonObject();
        };
        auto r = run_engine(filter_args(src_, recipe_, out, 4) << "--progress" << q(progress), 2,
                            std::chrono::minutes(2), [&](qint64 pid) {
                                // Signal once the ranks are inside the block loop, as a user's Cancel would.
                                QTRY_VERIFY_WITH_TIMEOUT(state()["state"].toString() == "running", 60000);
                                ::kill(static_cast<pid_t>(pid), SIGUSR1);
                            });
        QVERIFY2(r.exit_code == 3, qPrintable(QString("exit %1: %2").arg(r.exit_code).arg(r.err)));
        QVERIFY2(r.err.contains("stopped by signal 10"), qPrintable(r.err));
        const auto doc = state();
        QCOMPARE(doc["state"].toString(), QString("stopped"));
        QVERIFY(doc["rows_done"].toInt() < 1500);
        r = run_engine(filter_args(src_, recipe_, out, 4), 2);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_results(out, reference_);
    }

    void timeLimitStopsBeforeTheLimitAndResumes() {
        // The limit starts at half of what an uninterrupted run takes here and adapts (a loaded machine
        // can stretch start-up or compute), until a run stops mid-way: some rows done, some not.
        const auto full = dir_ / "limit-full.h5", out = dir_ / "limit.h5";
        QElapsedTimer t;
        t.start();
        QCOMPARE(run_engine(filter_args(src_, recipe_, full, 1)).exit_code, 0);
        double limit = 0.5 * static_cast<double>(t.elapsed()) / 1000.0;
        bool stopped_mid_run = false;
        for (int attempt = 0; attempt < 6 && !stopped_mid_run; ++attempt) {
            fs::remove(out);
            t.restart();
            auto r =
                run_engine(filter_args(src_, recipe_, out, 1) << "--time-limit" << QString::number(limit));
            const double took = static_cast<double>(t.elapsed()) / 1000.0;
            if (r.exit_code == 0) {
                limit /= 2; // finished within the limit: ask for less
                continue;
            }
            QCOMPARE(r.exit_code, 3);
            QVERIFY2(r.err.contains("time limit"), qPrintable(r.err));
            QVERIFY2(took < limit + 1.0,
                     qPrintable(QString("stopped after %1 s with a limit of %2 s").arg(took).arg(limit)));
            const auto done = read_u8(out, kGroup + "/completed_positions");
            if (std::count(done.begin(), done.end(), 1) == 0) {
                limit *= 1.5; // stopped before the first block: set-up took longer than the limit
                continue;
            }
            QVERIFY(std::count(done.begin(), done.end(), 0) > 0);
            stopped_mid_run = true;
        }
        QVERIFY2(stopped_mid_run, "no time limit stopped the run mid-way");
        auto r = run_engine(filter_args(src_, recipe_, out, 4));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        compare_results(out, reference_);
    }

    void fullDiskIsRefusedUpFront() {
        if (::geteuid() != 0) {
            if (qEnvironmentVariable("CI") == "true")
                QFAIL("this test needs root (to mount a small tmpfs) in CI");
            QSKIP("needs root to mount a small tmpfs");
        }
        TempDir mnt;
        QVERIFY(::mount("tmpfs", mnt.path().c_str(), "tmpfs", 0, "size=4m") == 0);
        const auto out = mnt / "out.h5";
        auto r = run_engine(filter_args(src_, recipe_, out)); // needs ~12 MB
        ::umount(mnt.path().c_str());
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("not enough free space"), qPrintable(r.err));
        QVERIFY(!fs::exists(out));
    }

    // A merge needs room for a full copy of the source beside it; without it the source is untouched.
    void mergeWithoutRoomForACopyIsRefused() {
        if (::geteuid() != 0) {
            if (qEnvironmentVariable("CI") == "true")
                QFAIL("this test needs root (to mount a small tmpfs) in CI");
            QSKIP("needs root to mount a small tmpfs");
        }
        TempDir work;
        const auto small = work / "small.h5";
        QVERIFY(synth(small, 64, 2048, 4e6, 5).exit_code == 0); // about 0.6 MB
        TempDir mnt;
        QVERIFY(::mount("tmpfs", mnt.path().c_str(), "tmpfs", 0, "size=1m") == 0);
        auto unmount = qScopeGuard([&] { ::umount(mnt.path().c_str()); });
        const auto source = mnt / "small.h5";
        fs::copy_file(small, source);
        const auto result = work / "small-filtered.h5";
        auto r = run_engine(filter_args(source, recipe_, result));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const auto before = sluice::sha256_file(source);
        r = run_engine({"merge", "--result", q(result), "--into", q(source)});
        const auto after = sluice::sha256_file(source);
        const auto left = std::distance(fs::directory_iterator(mnt.path()), fs::directory_iterator());
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.first_err_line().contains("not enough free space") && r.first_err_line().contains("merge"),
                 qPrintable(r.err));
        QVERIFY(before && after && *before == *after);
        QCOMPARE(left, 1); // the source alone: no temporary copy left
    }
};

QTEST_GUILESS_MAIN(TestEngineResume)
#include "test_engine_resume.moc"
