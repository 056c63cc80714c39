// sluice-cli end to end against the test cluster, built once per scheduler (SLUICE_SCHEDULER: slurm or
// pbs): the sshd fixture's user logs in with a key, and its login environment reaches the test Slurm or
// OpenPBS through wrappers that log every scheduler command with the remote script that ran it. Jobs
// run the real sluice-engine with 2 ranks (srun, or mpiexec under PBS); the fetched results must equal a
// local single-process run.
// The stops, cancels and resubmissions are in test_cli_cluster_stops.cpp; the fixture class, its helpers
// and the order the cases run in are in test_cli_cluster.hpp.
#include "test_cli_cluster.hpp"

#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/job_store.hpp"
#include "util/sha256.hpp"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

QJsonObject TestCliCluster::job(const QString& id) {
    const auto c = cli({"status", "--json", id});
    const auto arr = QJsonDocument::fromJson(c.out.toUtf8()).array();
    return arr.isEmpty() ? QJsonObject{} : arr.first().toObject();
}

QString TestCliCluster::submit(const fs::path& source, const QStringList& extra) {
    auto c = cli(QStringList{"submit", q(source), "--dataset", kRawData, "--recipe", q(dir_ / "recipe.json"),
                             "--profile", "loop"} +
                 extra);
    if (c.exit_code != 0) qWarning("submit failed: %s", qPrintable(c.err));
    const auto id = c.out.trimmed().split('\n').last();
    scheduler_ids_ << job(id)["scheduler_id"].toString();
    return id;
}

void TestCliCluster::reference(const fs::path& source, const fs::path& out) {
    auto r = run_engine(filter_args(source, dir_ / "recipe.json", out, 64));
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
}

QString TestCliCluster::pbs_state(const QString& sid) const {
    const auto doc =
        QJsonDocument::fromJson(login_.scheduler_command("qstat", {"-x", "-f", "-F", "json", sid}).toUtf8());
    return doc.object()["Jobs"].toObject()[sid].toObject()["job_state"].toString();
}

bool TestCliCluster::set_pbs_history(bool on) const {
    (void)login_.scheduler_command(
        "qmgr", {"-c", QString("set server job_history_enable = %1").arg(on ? "True" : "False")});
    return login_.scheduler_command("qmgr", {"-c", "list server job_history_enable"})
        .contains(on ? "True" : "False");
}

QJsonObject TestCliCluster::read_json(const fs::path& p) {
    QFile f(q(p));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

void TestCliCluster::initTestCase() {
    login_ = ClusterLogin::prepare(dir_, kScheduler, SLUICE_SCHEDULER_ENV);
    SLUICE_REQUIRE_CLUSTER_LOGIN(login_);
    user_home_ = login_.user_home;
    env_ = login_.client_environment();

    write_text(dir_ / "recipe.json", full_recipe());
    auto r = synth(dir_ / "small.h5", 300, 2048, 4e6, 5);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    reference(dir_ / "small.h5", dir_ / "small-reference.h5");
}

void TestCliCluster::cleanupTestCase() {
    // A failed check can leave a job behind; it must not outlive the test.
    if (!scheduler_ids_.isEmpty() && login_.unavailable.isEmpty())
        (void)login_.scheduler_command(kSlurm ? "scancel" : "qdel", scheduler_ids_);
}

void TestCliCluster::profileAddAndTest() {
    auto c = cli({"profile", "add", "loop", "--host", "loop", "--scheduler", SLUICE_SCHEDULER, "--scratch",
                  q(user_home_ / "scratch"), "--partition", QString::fromStdString(login_.queue()),
                  "--tasks-per-node", "2", "--walltime", "00:10:00", "--engine-path", q(login_.engine),
                  "--env", "OMPI_MCA_btl_vader_single_copy_mechanism=none"});
    QVERIFY2(c.exit_code == 0, qPrintable(c.err));
    c = cli({"profile", "add", "loop", "--host", "elsewhere", "--scratch", "/tmp"});
    QCOMPARE(c.exit_code, 2); // never silently replaced
    QVERIFY2(c.err.contains("--replace"), qPrintable(c.err));
    c = cli({"profile", "list"});
    QVERIFY2(c.out.contains("loop") && c.out.contains(SLUICE_SCHEDULER), qPrintable(c.out));
    c = cli({"profile", "test", "loop"});
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QVERIFY2(c.out.contains("ok  logged in") && c.out.contains(QString::fromStdString(kSubmit + " is")) &&
                 c.out.contains("sluice-engine"),
             qPrintable(c.out));
}

void TestCliCluster::dryRunPrintsTheScriptAndSubmitsNothing() {
    const auto calls = scheduler_calls().size();
    auto c = cli({"submit", q(dir_ / "small.h5"), "--dataset", kRawData, "--recipe", q(dir_ / "recipe.json"),
                  "--profile", "loop", "--dry-run"});
    QVERIFY2(c.exit_code == 0, qPrintable(c.err));
    const auto queue_line = kSlurm ? "#SBATCH --partition=" + login_.queue() : "#PBS -q " + login_.queue();
    QVERIFY2(c.out.startsWith("#!/bin/bash") && c.out.contains(QString::fromStdString(queue_line)) &&
                 c.out.contains("--time-limit"),
             qPrintable(c.out));
    QCOMPARE(cli({"status", "--json"}).out.trimmed(), QString("[]"));
    QCOMPARE(scheduler_calls().size(), calls);
    // A recipe that does not fit the dataset is refused before anything is spent.
    write_text(dir_ / "bad.json", full_recipe(3e6)); // above Nyquist at 4 MHz
    c = cli({"submit", q(dir_ / "small.h5"), "--dataset", kRawData, "--recipe", q(dir_ / "bad.json"),
             "--profile", "loop"});
    QCOMPARE(c.exit_code, 2);
    QVERIFY2(c.err.contains("Nyquist"), qPrintable(c.err));
}

// Two jobs at once: every poll asks squeue (qstat) once for both, and both results equal the local
// run.
void TestCliCluster::submitWatchFetch() {
    login_.clear_scheduler_calls();
    const auto a = submit(dir_ / "small.h5");
    const auto b = submit(dir_ / "small.h5", {"--output", q(dir_ / "second result.h5")});
    QVERIFY(!a.isEmpty() && !b.isEmpty() && a != b);
    QCOMPARE(job(a)["state"].toString(), QString("submitted"));
    const auto c = cli({"watch", "--max-interval", "2"}, 300000);
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    for (const auto& id : {a, b}) {
        const auto j = job(id);
        QVERIFY2(j["state"].toString() == "done", qPrintable(QJsonDocument(j).toJson()));
        const fs::path out = j["output"].toString().toStdString();
        QCOMPARE(QString::fromStdString(sha256_file(out).value()), j["result_sha256"].toString());
        QVERIFY(read_f32(out, kGroup + "/Filtered_Data") ==
                read_f32(dir_ / "small-reference.h5", kGroup + "/Filtered_Data"));
        QCOMPARE(j["rows_done"].toInt(), 300);
    }
    QCOMPARE(job(a)["output"].toString(), q(dir_ / "small-filtered-000.h5"));
    QVERIFY2(c.out.contains(" completed ") && c.out.contains(" done "), qPrintable(c.out));

    // One scheduler command per remote script, and one squeue (qstat) per poll for both jobs: a per-job
    // loop would show two calls a moment apart.
    std::map<std::string, int> per_script;
    std::vector<double> poll_times;
    int submits = 0;
    for (const auto& line : scheduler_calls()) {
        std::istringstream words(line);
        std::string script, name;
        double when = 0;
        words >> script >> when >> name;
        ++per_script[script];
        if (name == kPoll) poll_times.push_back(when);
        submits += name == kSubmit;
    }
    for (const auto& [script, n] : per_script)
        QCOMPARE(n, 1);
    QCOMPARE(submits, 2);
    QVERIFY2(!poll_times.empty(), "no poll reached the cluster");
    for (std::size_t i = 1; i < poll_times.size(); ++i)
        QVERIFY2(
            poll_times[i] - poll_times[i - 1] > 1.0,
            qPrintable(
                QString("%1 calls %2 s apart").arg(kPoll.c_str()).arg(poll_times[i] - poll_times[i - 1])));
    qInfo("%zu polls (one %s each) for 2 jobs; %zu scheduler commands in all", poll_times.size(),
          kPoll.c_str(), scheduler_calls().size());

    // Scratch: a's files are listed with sizes, the input shared with b (done too) goes with a's clean.
    const auto listed = cli({"clean", "--dry-run", a});
    QVERIFY2(listed.exit_code == 0, qPrintable(listed.err));
    QVERIFY2(listed.out.contains(q(job_dir(a))) && listed.out.contains(" MiB"), qPrintable(listed.out));
    QVERIFY(fs::exists(job_dir(a)));
    const auto cleaned = cli({"clean", a});
    QVERIFY2(cleaned.exit_code == 0 && cleaned.out.contains("removed "),
             qPrintable(cleaned.err + cleaned.out));
    QVERIFY(!fs::exists(job_dir(a)) && fs::exists(job_dir(b)));
    QVERIFY(job(a)["message"].toString().contains("removed from the cluster's scratch"));
}

// A download interrupted (the store says "downloading") after which the user put a file of their own
// at the output's name: fetch never overwrites it and puts the verified result beside it instead.
void TestCliCluster::fetchNeverOverwritesAFileThatAppeared() {
    const auto id = submit(dir_ / "small.h5");
    QVERIFY(!id.isEmpty());
    auto c = cli({"watch", "--max-interval", "2", id}, 300000);
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    const fs::path first = job(id)["output"].toString().toStdString();
    QVERIFY(fs::exists(first));
    fs::remove(first);
    {
        auto store = jobs::JobStore::open(env_.value("XDG_DATA_HOME").toStdString() + "/sluice/jobs.sqlite");
        QVERIFY(store.has_value());
        auto rec = store->find(id.toStdString());
        QVERIFY(rec && *rec);
        auto j = **rec;
        j.state = jobs::JobState::downloading;
        QVERIFY(store->update(j).has_value());
    }
    write_text(first, "the user's own notes, not a result");
    c = cli({"fetch", id});
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QCOMPARE(read_text(first), std::string("the user's own notes, not a result"));
    const fs::path second = job(id)["output"].toString().toStdString();
    QVERIFY(second != first);
    QCOMPARE(job(id)["state"].toString(), QString("done"));
    QVERIFY(read_f32(second, kGroup + "/Filtered_Data") ==
            read_f32(dir_ / "small-reference.h5", kGroup + "/Filtered_Data"));
}

// The site purges scratch while the job waits in the queue (here: the node is drained, or offline on
// PBS, until the input is gone): the engine refuses the missing input, and watch uploads it again and
// resubmits.
void TestCliCluster::inputPurgedBeforeTheJobStartsIsUploadedAgain() {
    QVERIFY(set_node_available(false));
    const auto available = qScopeGuard([this] { (void)set_node_available(true); });
    const auto source = dir_ / "purged.h5";
    fs::copy_file(dir_ / "small.h5", source, fs::copy_options::overwrite_existing);
    const auto id = submit(source);
    QVERIFY(!id.isEmpty());
    QCOMPARE(job(id)["state"].toString(), QString("submitted"));
    int removed = 0;
    for (const auto& e : fs::recursive_directory_iterator(user_home_ / "scratch/sluice"))
        if (e.path().filename() == "purged.h5") removed += fs::remove(e.path()) ? 1 : 0;
    QCOMPARE(removed, 1);
    QVERIFY(set_node_available(true));

    const auto c = cli({"watch", "--max-interval", "2", id}, 300000);
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QVERIFY2(c.out.contains("was removed from the cluster's scratch") && c.out.contains("uploading it again"),
             qPrintable(c.out));
    const auto j = job(id);
    QCOMPARE(j["state"].toString(), QString("done"));
    QCOMPARE(j["submissions"].toInt(), 2);
    QVERIFY(read_f32(j["output"].toString().toStdString(), kGroup + "/Filtered_Data") ==
            read_f32(dir_ / "small-reference.h5", kGroup + "/Filtered_Data"));
}

// A job that finished while nobody watched has left squeue (MinJobAge), or is in PBS's history
// (qstat -x): the history command and status.json tell how it ended.
void TestCliCluster::jobThatLeftTheQueue() {
    login_.clear_scheduler_calls();
    const auto id = submit(dir_ / "small.h5");
    QVERIFY(!id.isEmpty());
    const auto sid = job(id)["scheduler_id"].toString();
    if (kSlurm) {
        QDeadlineTimer deadline(180000); // slurmctld purges old jobs about once a minute
        bool gone = false;
        while (!gone && !deadline.hasExpired()) {
            gone =
                !login_.scheduler_command("squeue", {"-h", "-t", "all", "-j", sid, "-o", "%i"}).contains(sid);
            if (!gone) QThread::msleep(1000);
        }
        QVERIFY2(gone, "the job stayed in squeue for 3 minutes");
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(pbs_state(sid), QString("F"), 120000);
    }
    QCOMPARE(job(id)["state"].toString(), QString("submitted")); // nobody polled yet
    const auto c = cli({"watch", "--max-interval", "2"}, 120000);
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QCOMPARE(job(id)["state"].toString(), QString("done"));
    QVERIFY(read_f32(job(id)["output"].toString().toStdString(), kGroup + "/Filtered_Data") ==
            read_f32(dir_ / "small-reference.h5", kGroup + "/Filtered_Data"));
    bool asked_history = false;
    for (const auto& line : scheduler_calls())
        asked_history = asked_history || line.find(kSlurm ? " sacct " : " qstat -f -x ") != std::string::npos;
    QVERIFY(asked_history);
}

// Without job history (a site setting) PBS forgets a job when it ends: qstat calls it unknown, and
// status.json alone tells how it ended.
void TestCliCluster::pbsJobWithoutHistory() {
    if (kSlurm) QSKIP("PBS only: Slurm's counterpart is jobThatLeftTheQueue");
    QVERIFY(set_pbs_history(false));
    const auto id = submit(dir_ / "small.h5");
    QVERIFY(!id.isEmpty());
    const auto sid = job(id)["scheduler_id"].toString();
    // Not in the queue any more, and the job script has written its final status.
    QTRY_VERIFY_WITH_TIMEOUT(pbs_state(sid).isEmpty() && fs::exists(job_dir(id) / "status.json") &&
                                 read_text(job_dir(id) / "status.json").find("\"running\"") ==
                                     std::string::npos,
                             120000);
    const auto c = cli({"watch", "--max-interval", "2"}, 120000);
    QVERIFY(set_pbs_history(true));
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QCOMPARE(job(id)["state"].toString(), QString("done"));
    QVERIFY(read_f32(job(id)["output"].toString().toStdString(), kGroup + "/Filtered_Data") ==
            read_f32(dir_ / "small-reference.h5", kGroup + "/Filtered_Data"));
}

// A scaling study is ONE job: both rank counts run inside it; the table comes back and is kept.
void TestCliCluster::scalingStudyIsOneJob() {
    login_.clear_scheduler_calls();
    const auto c =
        cli({"scaling", q(dir_ / "small.h5"), "--dataset", kRawData, "--recipe", q(dir_ / "recipe.json"),
             "--profile", "loop", "--ranks", "1,2", "--rows", "256", "--max-interval", "2"},
            300000);
    QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    QVERIFY2(c.out.contains("<- recommended") && c.out.contains("Recommended: "), qPrintable(c.out));
    const auto submits = std::ranges::count_if(scheduler_calls(), [](const std::string& line) {
        std::istringstream words(line); // "<ppid> <time> <command> <args>"
        std::string ppid, when, name;
        words >> ppid >> when >> name;
        return name == kSubmit;
    });
    QCOMPARE(submits, std::ptrdiff_t(1));
    QJsonObject study;
    for (const auto& j : QJsonDocument::fromJson(cli({"status", "--json"}).out.toUtf8()).array())
        if (j.toObject()["kind"] == "scaling") study = j.toObject();
    scheduler_ids_ << study["scheduler_id"].toString();
    QCOMPARE(study["state"].toString(), QString("done"));
    QCOMPARE(study["scaling"].toObject()["runs"].toArray().size(), 2);
    QVERIFY(fs::exists(study["output"].toString().toStdString())); // scaling.json, downloaded
    const auto dir = job_dir(study["id"].toString());
    QVERIFY(!fs::exists(dir / "scaling-1.h5") && !fs::exists(dir / "scaling-2.h5"));
}

QTEST_GUILESS_MAIN(TestCliCluster)
