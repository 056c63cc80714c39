// sluice-cli against the test cluster (test_cli_cluster.hpp): jobs stopped, cancelled or interrupted on
// the way. A clean stop (Slurm's pre-walltime USR1, PBS's walltime kill) is resubmitted and completes with
// the local result; a cancel is not; Ctrl-C during an upload leaves a resumable .part; a second watch
// takes over from a killed one.
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "test_cli_cluster.hpp"
#include "util/sha256.hpp"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QThread>
#include <QtTest>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <string>
#include <sys/types.h>
#include <vector>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

// The job's engine processes: sluice-engine running in its job directory (the job script cds there).
std::vector<pid_t> engine_ranks(const fs::path& job_dir) {
    std::vector<pid_t> out;
    std::error_code ec;
    const auto want = fs::weakly_canonical(job_dir, ec);
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const auto name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream comm(e.path() / "comm");
        std::string command;
        std::getline(comm, command);
        if (command == "sluice-engine" && fs::read_symlink(e.path() / "cwd", ec) == want && !ec)
            out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Whether `signal` waits for the stopped process `pid` (or it is gone).
bool pending_or_gone(pid_t pid, int signal) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status) return true;
    const unsigned long long bit = 1ULL << (signal - 1);
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("State:") && line.find("zombie") != std::string::npos)
            return true;
        else if ((line.starts_with("SigPnd:") || line.starts_with("ShdPnd:")) &&
                 (std::stoull(line.substr(7), nullptr, 16) & bit) != 0)
            return true;
    return false;
}

} // namespace

void TestCliCluster::interrupt_mid_run_and_resume(const QString& said,
                                                  const std::function<QString(const QString&)>& interrupt) {
    int rows = 2000;
    for (int attempt = 0; attempt < 5; ++attempt, rows *= 2) {
        const auto source = dir_ / fmt::format("rows-{}.h5", rows);
        const auto reference_file = dir_ / fmt::format("rows-{}-reference.h5", rows);
        if (!fs::exists(source)) QVERIFY(synth(source, rows, 2048, 4e6, 9).exit_code == 0);
        if (!fs::exists(reference_file)) reference(source, reference_file);
        if (QTest::currentTestFailed()) return;
        const auto id = submit(source, {"--block-rows", "1"});
        QVERIFY(!id.isEmpty());
        const auto first = job(id)["scheduler_id"].toString();

        QProcess watch;
        watch.setProcessEnvironment(env_);
        watch.start(QString::fromStdString(SLUICE_CLI), {"watch", "--max-interval", "2", id});
        QVERIFY(watch.waitForStarted());
        // Interrupt only once the engine has written rows (the stop must land mid-run), and give up
        // waiting as soon as the job is over without it.
        QDeadlineTimer deadline(180000);
        bool running = false, over = false;
        while (!deadline.hasExpired() && !running && !over) {
            const auto progress = read_json(job_dir(id) / "progress.json");
            const auto state = progress["state"].toString();
            running = state == "running" && progress["rows_done"].toInt() > 0;
            over = state == "done" || state == "failed" || watch.state() == QProcess::NotRunning;
            if (!running && !over) QThread::msleep(50);
        }
        QVERIFY2(running || over, "the job neither ran nor ended in 3 minutes");
        if (running) {
            // Hold the ranks (SIGSTOP) so that, however fast this machine, the job cannot end before
            // the interruption reaches them: a signal waiting on each, or the ranks killed.
            const auto ranks = engine_ranks(job_dir(id));
            for (const auto pid : ranks)
                ::kill(pid, SIGSTOP);
            (void)interrupt(first);
            QTRY_VERIFY_WITH_TIMEOUT(std::ranges::all_of(ranks,
                                                         [](pid_t pid) {
                                                             return pending_or_gone(pid, SIGUSR1) ||
                                                                    pending_or_gone(pid, SIGTERM);
                                                         }),
                                     180000);
            for (const auto pid : ranks)
                ::kill(pid, SIGCONT);
        }

        QVERIFY2(watch.waitForFinished(300000), "watch did not finish in 5 minutes");
        const auto out = QString::fromUtf8(watch.readAllStandardOutput());
        QVERIFY2(watch.exitCode() == 0, qPrintable(out + QString::fromUtf8(watch.readAllStandardError())));
        qInfo("watch printed:\n%s", qPrintable(out));
        const auto j = job(id);
        QVERIFY2(j["state"].toString() == "done", qPrintable(out));
        const fs::path result = j["output"].toString().toStdString();
        QVERIFY(read_f32(result, kGroup + "/Filtered_Data") ==
                read_f32(reference_file, kGroup + "/Filtered_Data"));
        QVERIFY(read_f32(result, kGroup + "/Noise_Floors") ==
                read_f32(reference_file, kGroup + "/Noise_Floors"));
        if (!out.contains(" stopped ")) {
            QCOMPARE(j["submissions"].toInt(), 1);
            qInfo("%d rows were filtered before the interruption landed; trying %d", rows, rows * 2);
            continue;
        }
        QVERIFY2(out.contains(said) && out.contains(" resubmitted "), qPrintable(out));
        QCOMPARE(j["submissions"].toInt(), 2);
        QVERIFY(j["scheduler_id"].toString() != first);
        return;
    }
    QFAIL("every job finished before the interruption landed, up to 32000 rows");
}

void TestCliCluster::cancelIsRecordedAndNotResubmitted() {
    auto r = synth(dir_ / "large.h5", 2000, 2048, 4e6, 9);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto id = submit(dir_ / "large.h5", {"--block-rows", "1"});
    QVERIFY(!id.isEmpty());
    auto c = cli({"cancel", id});
    QVERIFY2(c.exit_code == 0, qPrintable(c.err));
    QCOMPARE(job(id)["state"].toString(), QString("cancelled"));
    c = cli({"watch", "--max-interval", "2"}, 60000); // nothing left to do
    QVERIFY2(c.exit_code == 0, qPrintable(c.err));
    QCOMPARE(job(id)["state"].toString(), QString("cancelled"));
    QCOMPARE(job(id)["submissions"].toInt(), 1);
    c = cli({"cancel", id});
    QCOMPARE(c.exit_code, 2);
    QVERIFY2(c.err.contains("nothing to cancel"), qPrintable(c.err));
}

// Ctrl-C during the upload stops it at once; the .part stays on the cluster for the next attempt.
void TestCliCluster::interruptedSubmitLeavesAResumableUpload() {
    // 320 MB: the upload lasts long enough (over a second here) for the signal to land in it.
    QVERIFY(synth(dir_ / "big.h5", 40000, 2048, 4e6, 11).exit_code == 0);
    const auto sha = sha256_file(dir_ / "big.h5").value();
    const auto part = user_home_ / "scratch/sluice" / sha.substr(0, 16) / "big.h5.part";
    QProcess submit;
    submit.setProcessEnvironment(env_);
    submit.start(QString::fromStdString(SLUICE_CLI),
                 {"submit", q(dir_ / "big.h5"), "--dataset", kRawData, "--recipe", q(dir_ / "recipe.json"),
                  "--profile", "loop"});
    QVERIFY(submit.waitForStarted());
    QDeadlineTimer deadline(60000);
    while (!fs::exists(part) && !deadline.hasExpired() && submit.state() == QProcess::Running)
        QThread::msleep(5);
    QVERIFY2(fs::exists(part), qPrintable(QString::fromUtf8(submit.readAllStandardError())));
    ::kill(static_cast<pid_t>(submit.processId()), SIGINT);
    QVERIFY(submit.waitForFinished(10000));
    const auto err = QString::fromUtf8(submit.readAllStandardError());
    QCOMPARE(submit.exitCode(), 130);
    QVERIFY2(err.contains("interrupted"), qPrintable(err));
    QVERIFY(fs::exists(part));
    QVERIFY(fs::file_size(part) < fs::file_size(dir_ / "big.h5"));
    const auto jobs = QJsonDocument::fromJson(cli({"status", "--json"}).out.toUtf8()).array();
    QString id;
    for (const auto& j : jobs)
        if (j.toObject()["input"].toString() == q(dir_ / "big.h5")) id = j.toObject()["id"].toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(job(id)["state"].toString(), QString("uploading"));
    QCOMPARE(cli({"cancel", id}).exit_code, 0); // never submitted: nothing to ask the cluster
    QCOMPARE(job(id)["state"].toString(), QString("cancelled"));
}

// Every transition is in the store: a second watch follows the first one read-only, takes over
// polling when the first is killed, and finishes the job. The job waits in the queue (node drained
// or offline) until the takeover, so the test does not depend on how fast the engine is.
void TestCliCluster::restartedClientTakesOver() {
    if (!fs::exists(dir_ / "large-reference.h5")) reference(dir_ / "large.h5", dir_ / "large-reference.h5");
    QVERIFY(set_node_available(false));
    auto available = qScopeGuard([this] { (void)set_node_available(true); });
    const auto id = submit(dir_ / "large.h5", {"--block-rows", "1"});
    QVERIFY(!id.isEmpty());
    QProcess first, second;
    first.setProcessEnvironment(env_);
    second.setProcessEnvironment(env_);
    first.start(QString::fromStdString(SLUICE_CLI), {"watch", "--max-interval", "2"});
    QVERIFY(first.waitForStarted());
    QDeadlineTimer deadline(120000);
    while (job(id)["state"].toString() != "pending" && !deadline.hasExpired())
        QThread::msleep(200);
    QCOMPARE(job(id)["state"].toString(), QString("pending")); // the first watch polls it
    second.start(QString::fromStdString(SLUICE_CLI), {"watch", "--max-interval", "2"});
    QVERIFY(second.waitForStarted());
    QByteArray said;
    QDeadlineTimer follow(20000);
    while (!said.contains("polls the clusters") && !follow.hasExpired() &&
           second.state() == QProcess::Running)
        if (second.waitForReadyRead(500)) said += second.readAllStandardOutput();
    QVERIFY2(said.contains("polls the clusters"), (said + second.readAllStandardError()).constData());
    ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
    QVERIFY(first.waitForFinished(10000));
    QVERIFY(set_node_available(true));
    available.dismiss();
    QVERIFY2(second.waitForFinished(300000), "the second watch did not finish in 5 minutes");
    QVERIFY2(second.exitCode() == 0, qPrintable(QString::fromUtf8(second.readAllStandardError())));
    QCOMPARE(job(id)["state"].toString(), QString("done"));
    QCOMPARE(job(id)["submissions"].toInt(), 1);
    QVERIFY(read_f32(job(id)["output"].toString().toStdString(), kGroup + "/Filtered_Data") ==
            read_f32(dir_ / "large-reference.h5", kGroup + "/Filtered_Data"));
}

// What Slurm does before walltime (`--signal=B:USR1@M`, here sent at once with scancel -b), and
// what a user's `qsig -s USR1` does on PBS (every process of the job gets it, the login shell too):
// the engine stops cleanly, watch resubmits the job, it resumes and completes with the local result.
void TestCliCluster::usr1StopIsResubmittedAndCompletes() {
    interrupt_mid_run_and_resume(" stopped cleanly", [this](const QString& sid) {
        if (kSlurm) return login_.scheduler_command("scancel", {"-b", "-s", "USR1", sid});
        return login_.scheduler_command("qsig", {"-s", "USR1", sid});
    });
}

// PBS has no early signal: a job that reaches its walltime is killed by the MoM (SIGTERM, then
// SIGKILL). The running job's walltime is cut to one second (qalter, as a manager may), so the
// MoM kills it at its next check; the engine's checkpoint makes that resumable too.
void TestCliCluster::pbsWalltimeExceededIsResubmittedAndCompletes() {
    if (kSlurm) QSKIP("PBS only: Slurm signals before the walltime (usr1StopIsResubmittedAndCompletes)");
    interrupt_mid_run_and_resume(" resumable", [this](const QString& sid) {
        return login_.scheduler_command("qalter", {"-l", "walltime=00:00:01", sid});
    });
}
