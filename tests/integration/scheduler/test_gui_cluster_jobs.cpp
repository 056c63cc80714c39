// The desktop app's cluster side against the test cluster (sshd + Slurm, or sshd + OpenPBS: built once
// per scheduler, SLUICE_SCHEDULER): JobsService submits a planned job on its worker thread, polls it to
// done and downloads the result, which equals a local run; the Jobs view shows it and its buttons cancel
// (after asking) and compare; login questions reach the UI thread.
#include "cluster_login.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "gui/jobs_helpers.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "jobs/profiles_file.hpp"
#include "services/jobs_service.hpp"
#include "widgets/job_details.hpp"

#include <QApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::JobsService;
using sluice::gui::JobsView;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
const jobs::Scheduler kScheduler = jobs::scheduler_from_string(SLUICE_SCHEDULER).value();

QString sid(const std::string& id) {
    return QString::fromStdString(id);
}

// TCP connections as /proc/net/tcp lists them (IPv4 loopback is all the fixtures use).
struct Tcp {
    unsigned local_port = 0, remote_port = 0, state = 0;
    std::string inode;
};
std::vector<Tcp> tcp_connections() {
    std::vector<Tcp> out;
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        f >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        const auto port = [](const std::string& a) {
            return std::stoul(a.substr(a.find(':') + 1), nullptr, 16);
        };
        out.push_back({static_cast<unsigned>(port(local)), static_cast<unsigned>(port(remote)),
                       static_cast<unsigned>(std::stoul(state, nullptr, 16)), inode});
    }
    return out;
}
// Socket inodes a process holds.
std::set<std::string> socket_inodes(const fs::path& proc) {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator(proc / "fd", ec)) {
        const auto target = fs::read_symlink(fd.path(), ec).string();
        if (target.starts_with("socket:[")) out.insert(target.substr(8, target.size() - 9));
    }
    return out;
}
// This process's connections to the sshd on `port`.
std::vector<Tcp> my_connections_to(unsigned port) {
    const auto mine = socket_inodes("/proc/self");
    std::vector<Tcp> out;
    for (const auto& c : tcp_connections())
        if (c.remote_port == port && mine.contains(c.inode)) out.push_back(c);
    return out;
}
// Cut this process's connections to the sshd on `port` from the server's side, as a restarted sshd or
// a dropped network does: the sshd processes serving them are killed; other clients' stay.
int drop_my_connections_to(unsigned port) {
    std::set<std::string> server_side;
    const auto all = tcp_connections();
    for (const auto& mine : my_connections_to(port))
        for (const auto& c : all)
            if (c.local_port == port && c.remote_port == mine.local_port) server_side.insert(c.inode);
    int killed = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const auto name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto held = socket_inodes(e.path());
        if (std::ranges::any_of(server_side, [&](const auto& i) { return held.contains(i); }))
            killed += ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL) == 0;
    }
    return killed;
}

} // namespace

class TestGuiClusterJobs : public QObject {
    Q_OBJECT
    TempDir dir_;
    ClusterLogin login_;
    JobsService::Files files_;

    jobs::JobRecord plan(const fs::path& source, std::optional<int> block_rows = {},
                         const std::string& profile = "loop") {
        jobs::NewJob job;
        job.profile = profile;
        job.input = source;
        job.dataset = kRawData.toStdString();
        job.recipe_json = full_recipe();
        job.block_rows = block_rows;
        auto p = jobs::plan_job(profile == "loop" ? login_.profile() : login_.password_profile(profile), job);
        if (!p) qFatal("plan_job: %s", p.error().message.c_str());
        return p->record;
    }

    // The scheduler still has the job queued or running.
    bool active_on_cluster(const std::string& sid) const {
        const auto id = QString::fromStdString(sid);
        if (kScheduler == jobs::Scheduler::slurm)
            return login_.scheduler_command("squeue", {"-h", "-t", "PENDING,RUNNING", "-o", "%i"})
                .split('\n')
                .contains(id);
        const auto state = login_.scheduler_command("qstat", {"-x", "-f", id});
        return !state.contains("job_state = F") && state.contains("job_state = ");
    }

    static QString state_of(const JobsView& view, const std::string& id) { return job_state(&view, sid(id)); }

private slots:
    void initTestCase() {
        login_ = ClusterLogin::prepare(dir_, kScheduler, SLUICE_SCHEDULER_ENV);
        SLUICE_REQUIRE_CLUSTER_LOGIN(login_);
        const auto env = login_.client_environment();
        for (const auto* name : {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"})
            qputenv(name, env.value(name).toUtf8());
        qunsetenv("SSH_AUTH_SOCK");
        files_.store = q(dir_ / "jobs.sqlite");
        files_.profiles = q(dir_ / "profiles.json");
        files_.local_runs = q(dir_ / "no-local-runs");
        QVERIFY(
            jobs::save_profiles(dir_ / "profiles.json", {login_.profile(), login_.password_profile("loop-pw"),
                                                         login_.password_profile("loop-pw-2")}));
        QVERIFY(synth(dir_ / "small.h5", 300, 2048, 4e6, 5).exit_code == 0);
        write_text(dir_ / "recipe.json", full_recipe());
        const auto r =
            run_engine(filter_args(dir_ / "small.h5", dir_ / "recipe.json", dir_ / "reference.h5", 64));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    }

    void submittedJobIsFollowedToDone() {
        JobsService service(files_);
        JobsView panel(service);
        panel.show();
        QSignalSpy ended(&service, &JobsService::jobEnded);
        QSignalSpy problems(&service, &JobsService::actionFailed);
        const auto job = plan(dir_ / "small.h5");
        service.submit(login_.profile(), job);
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, job.id) == "done" || !problems.isEmpty(), 240000);
        if (!problems.isEmpty()) QFAIL(qPrintable(problems.first().at(1).toString()));
        QCOMPARE(ended.count(), 1);
        QCOMPARE(ended.first().at(1).toString(), QString("done"));
        QVERIFY(read_f32(job.local_output, kGroup + "/Filtered_Data") ==
                read_f32(dir_ / "reference.h5", kGroup + "/Filtered_Data"));

        panel.selectJob(sid(job.id));
        // Its details: the scheduler's id, where and how long it ran, when it was last checked.
        const auto* details = panel.details();
        const auto recorded = service.job(sid(job.id));
        QVERIFY(recorded && !recorded->scheduler_id.empty());
        QVERIFY2(details->field("scheduler_id").startsWith(sid(recorded->scheduler_id)),
                 qPrintable(details->field("scheduler_id")));
        QVERIFY2(!details->field("node").isEmpty() && !details->field("started").isEmpty(),
                 qPrintable(details->field("node")));
        QVERIFY(!details->field("checked").isEmpty());
        QVERIFY(details->field("elapsed").contains("of 0:10:00") ||
                details->field("elapsed").contains("of 00:10:00"));
        auto* compare = panel.findChild<QPushButton*>("job_compare");
        QVERIFY(compare && compare->isEnabled());
        QVERIFY(!panel.findChild<QPushButton*>("job_cancel")->isEnabled());
        QSignalSpy asked(&panel, &JobsView::compareRequested);
        QTest::mouseClick(compare, Qt::LeftButton);
        QCOMPARE(asked.count(), 1);
        QCOMPARE(asked.first().first().toString(), sid(job.id));

        // Its copies in scratch: listed with sizes, then removed after asking; the result here stays.
        const auto dir = login_.user_home / "scratch/sluice/jobs" / job.id;
        QVERIFY(fs::exists(dir));
        auto* scratch = details->findChild<QLabel*>("job_scratch_text");
        QTest::mouseClick(details->findChild<QPushButton*>("job_list_scratch"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(scratch->text().contains("MiB in 2 items"), 60000);
        answer_next_box(QMessageBox::Yes);
        QTest::mouseClick(details->findChild<QPushButton*>("job_remove_scratch"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(scratch->text().contains("nothing left on the cluster"), 60000);
        QVERIFY(!fs::exists(dir) && !fs::exists(recorded->remote_input));
        QVERIFY(fs::exists(job.local_output));
    }

    void cancelButtonCancelsTheJob() {
        QVERIFY(synth(dir_ / "large.h5", 2000, 2048, 4e6, 9).exit_code == 0);
        JobsService service(files_);
        JobsView panel(service);
        panel.show();
        const auto job = plan(dir_ / "large.h5", 1);
        service.submit(login_.profile(), job);
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, job.id) == "submitted" ||
                                     state_of(panel, job.id) == "pending" ||
                                     state_of(panel, job.id) == "running",
                                 120000);
        panel.selectJob(sid(job.id));
        auto* cancel = panel.findChild<QPushButton*>("job_cancel");
        QVERIFY(cancel && cancel->isEnabled());
        QSignalSpy ended(&service, &JobsService::jobEnded);
        answer_next_box(QMessageBox::Yes); // "Cancel job … on loop?"
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(state_of(panel, job.id), QString("cancelled"), 60000);
        QCOMPARE(ended.count(), 1);
        // The scheduler agrees: the job is no longer pending or running.
        std::string sid;
        for (const auto& j : service.jobs())
            if (j.id == job.id) sid = j.scheduler_id;
        QVERIFY(!sid.empty());
        QTRY_VERIFY_WITH_TIMEOUT(!active_on_cluster(sid), 30000);
    }

    // Closing the app mid-upload does not wait for the upload: it stops at the next chunk, and the next
    // start continues from the .part and submits the job.
    void closingMidUploadStopsAtOnceAndResumesLater() {
        QVERIFY(synth(dir_ / "big.h5", 20000, 2048, 4e6, 11).exit_code == 0); // 160 MB
        const auto job = plan(dir_ / "big.h5");
        qint64 closed_in_ms = 0;
        {
            auto service = std::make_unique<JobsService>(files_);
            QSignalSpy progress(service.get(), &JobsService::transferProgress);
            service->submit(login_.profile(), job);
            QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(2).toULongLong() > 0, 60000);
            QElapsedTimer t;
            t.start();
            service.reset();
            closed_in_ms = t.elapsed();
        }
        QVERIFY2(closed_in_ms < 5000, qPrintable(QString("closing took %1 ms").arg(closed_in_ms)));
        auto store = jobs::JobStore::open(files_.store.toStdString());
        QCOMPARE(store->find(job.id).value()->state, jobs::JobState::uploading);

        JobsService again(files_);
        JobsView panel(again);
        QTRY_VERIFY_WITH_TIMEOUT(
            state_of(panel, job.id) == "submitted" || state_of(panel, job.id) == "pending" ||
                state_of(panel, job.id) == "running" || state_of(panel, job.id) == "completed" ||
                state_of(panel, job.id) == "done",
            120000);
        again.cancel(QString::fromStdString(job.id)); // the point was the upload, not the filtering
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, job.id) == "cancelled" || state_of(panel, job.id) == "done",
                                 60000);
    }

    // "Log In Later" in the password question: the job waits, shown, with a Log In button; nothing asks
    // again by itself; no half-open connection is kept. Logging in (a wrong password first: "try again")
    // follows the job to done, and a second profile for the same account rides on that login.
    void cancelledLoginWaitsForTheUser() {
        QVERIFY(
            my_connections_to(static_cast<unsigned>(login_.cluster.port())).empty()); // closed services' ones
        JobsService service(files_);
        JobsView panel(service);
        panel.show();
        std::vector<int> attempts;
        QStringList asked_for;
        bool later = true;
        remote::SessionCallbacks prompter;
        prompter.password = [&](const std::string& who, int attempt) -> std::optional<std::string> {
            attempts.push_back(attempt);
            asked_for << QString::fromStdString(who);
            if (later) return std::nullopt;
            return attempt == 1 ? std::string("not the password") : login_.cluster["SSH_PASSWORD"];
        };
        service.setPrompter(prompter);
        const auto job = plan(dir_ / "small.h5", {}, "loop-pw");
        service.submit(login_.password_profile("loop-pw"), job);
        auto* bar = panel.findChild<QWidget*>("login_bar");
        auto* log_in = panel.findChild<QPushButton*>("job_login");
        QVERIFY(bar && log_in);
        QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible(), 60000);
        QCOMPARE(attempts.size(), std::size_t{1});
        QVERIFY2(asked_for[0].contains("to submit job " + sid(job.id)) && asked_for[0].contains("loop-pw"),
                 qPrintable(asked_for[0]));
        QVERIFY(service.needsLogin("loop-pw"));
        QCOMPARE(log_in->text(), QString("Log In to loop-pw"));
        QVERIFY(my_connections_to(static_cast<unsigned>(login_.cluster.port())).empty()); // none half-open
        // Polls that follow fail at once, without asking.
        QSignalSpy rounds(&service, &JobsService::problemsChanged);
        service.checkNow();
        QTRY_VERIFY_WITH_TIMEOUT(rounds.count() >= 1, 60000);
        QCOMPARE(attempts.size(), std::size_t{1});
        QCOMPARE(service.jobs().back().scheduler_id, std::string());

        later = false;
        QTest::mouseClick(log_in, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, job.id) == "done", 240000);
        QCOMPARE(attempts, (std::vector<int>{1, 1, 2})); // cancelled; wrong, then right
        QVERIFY(!bar->isVisible());
        QVERIFY(!service.needsLogin("loop-pw"));

        const auto second = plan(dir_ / "small.h5", {}, "loop-pw-2");
        service.submit(login_.password_profile("loop-pw-2"), second);
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, second.id) == "done", 240000);
        QCOMPARE(attempts.size(), std::size_t{3}); // the same account: no new question
    }

    // The connection drops while a job is followed (sshd restarted, network gone): the login question
    // comes again; "Log In Later" waits for the user; logging in follows the job to done.
    void droppedConnectionAsksAgainAndRecovers() {
        JobsService service(files_);
        JobsView panel(service);
        panel.show();
        int asked = 0;
        bool later = false;
        remote::SessionCallbacks prompter;
        prompter.password = [&](const std::string&, int) -> std::optional<std::string> {
            ++asked;
            if (later) return std::nullopt;
            return login_.cluster["SSH_PASSWORD"];
        };
        service.setPrompter(prompter);
        // The job waits in the queue until the node is freed: it is active whenever the connection drops.
        QVERIFY(login_.set_node_available(false));
        const auto available = qScopeGuard([this] { (void)login_.set_node_available(true); });
        const auto job = plan(dir_ / "small.h5", {}, "loop-pw");
        service.submit(login_.password_profile("loop-pw"), job);
        QTRY_VERIFY_WITH_TIMEOUT(service.job(sid(job.id)) && !service.job(sid(job.id))->scheduler_id.empty(),
                                 120000);
        QCOMPARE(asked, 1);
        later = true;
        QVERIFY(drop_my_connections_to(static_cast<unsigned>(login_.cluster.port())) > 0);
        auto* bar = panel.findChild<QWidget*>("login_bar");
        // Ask for polls (at most every 2 s) until the lost connection is noticed and the question answered.
        QTRY_VERIFY_WITH_TIMEOUT((service.checkNow(), bar->isVisible()), 120000);
        QCOMPARE(asked, 2);
        for (const auto& c : my_connections_to(static_cast<unsigned>(login_.cluster.port())))
            QFAIL(qPrintable(
                QString("a connection from port %1 is left in TCP state %2").arg(c.local_port).arg(c.state)));

        later = false;
        QVERIFY(login_.set_node_available(true));
        QTest::mouseClick(panel.findChild<QPushButton*>("job_login"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(state_of(panel, job.id) == "done", 240000);
        QCOMPARE(asked, 3);
        QVERIFY(read_f32(job.local_output, kGroup + "/Filtered_Data") ==
                read_f32(dir_ / "reference.h5", kGroup + "/Filtered_Data"));
    }

    // An unknown host key is a question for the user, asked on the UI thread; refusing it stops there.
    void unknownHostKeyIsAskedOnTheUiThread() {
        const auto known = login_.client_home / ".ssh/known_hosts";
        const auto saved = known.string() + ".saved";
        fs::rename(known, saved);
        JobsService service(files_);
        QString fingerprint;
        bool on_ui_thread = false;
        remote::SessionCallbacks prompter;
        prompter.accept_host_key = [&](const remote::UnknownHostKey& key) {
            fingerprint = QString::fromStdString(key.sha256_fingerprint);
            on_ui_thread = QThread::currentThread() == qApp->thread();
            return false;
        };
        service.setPrompter(prompter);
        QSignalSpy problems(&service, &JobsService::actionFailed);
        const auto job = plan(dir_ / "small.h5");
        service.submit(login_.profile(), job);
        QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 60000);
        fs::rename(saved, known);
        const auto said = problems.first().at(1).toString();
        QVERIFY2(fingerprint.startsWith("SHA256:"), qPrintable(fingerprint));
        QVERIFY(on_ui_thread);
        QVERIFY2(said.contains("host key", Qt::CaseInsensitive), qPrintable(said));
        // Nothing was uploaded or submitted: the job waits in the store for a login.
        QTRY_VERIFY(!service.jobs().empty());
        QCOMPARE(service.jobs().back().scheduler_id, std::string());
        service.cancel(QString::fromStdString(job.id));
        QTRY_COMPARE(service.jobs().back().state, jobs::JobState::cancelled);
    }

    // Quitting waits neither for the user nor for the cluster: with a login question not yet answered,
    // or a poll the scheduler does not answer, the service (and so the app) closes within 2 s.
    void closingDuringALoginQuestionOrAHungPollEndsAtOnce() {
        const auto closing_ms = [](std::unique_ptr<JobsService>& service) {
            QElapsedTimer t;
            t.start();
            service.reset();
            return t.elapsed();
        };
        const auto question = plan(dir_ / "small.h5", {}, "loop-pw");
        {
            auto service = std::make_unique<JobsService>(files_);
            int asked = 0;
            remote::SessionCallbacks prompter;
            prompter.password = [&](const std::string&, int) -> std::optional<std::string> {
                ++asked;
                return std::nullopt;
            };
            service->setPrompter(prompter);
            service->submit(login_.password_profile("loop-pw"), question);
            // The question is posted to this thread, which does not take it yet: the dialog is still open.
            QDeadlineTimer deadline(60000);
            while (!service->askingUser() && !deadline.hasExpired())
                QThread::msleep(5);
            QVERIFY(service->askingUser());
            const auto ms = closing_ms(service);
            QVERIFY2(ms < 2000, qPrintable(QString("closing during a login question took %1 ms").arg(ms)));
            QCoreApplication::processEvents();
            QCOMPARE(asked, 0); // the question went with the app, unasked
        }
        QVERIFY(jobs::JobStore::open(files_.store.toStdString())->remove(question.id));

        QVERIFY(login_.set_node_available(false)); // the job waits in the queue: every round polls it
        const auto available = qScopeGuard([this] { (void)login_.set_node_available(true); });
        const auto hold = login_.user_home / "scheduler-hold";
        const auto released = qScopeGuard([&] { fs::remove(hold); });
        const auto job = plan(dir_ / "small.h5");
        auto service = std::make_unique<JobsService>(files_);
        service->submit(login_.profile(), job);
        QTRY_VERIFY_WITH_TIMEOUT(
            service->job(sid(job.id)) && !service->job(sid(job.id))->scheduler_id.empty(), 120000);
        write_text(hold, "");
        const auto polls = [this] {
            return std::ranges::count_if(login_.scheduler_calls(), [](const std::string& call) {
                return call.find(kScheduler == jobs::Scheduler::slurm ? " squeue " : " qstat ") !=
                       std::string::npos;
            });
        };
        const auto before = polls();
        QTRY_VERIFY_WITH_TIMEOUT((service->checkNow(), polls() > before), 60000); // the poll hangs in it
        const auto ms = closing_ms(service);
        QVERIFY2(ms < 2000, qPrintable(QString("closing during a hung poll took %1 ms").arg(ms)));

        fs::remove(hold);
        JobsService again(files_);
        again.cancel(sid(job.id));
        QTRY_VERIFY_WITH_TIMEOUT(
            again.job(sid(job.id)) && again.job(sid(job.id))->state == jobs::JobState::cancelled, 60000);
    }
};

QTEST_MAIN(TestGuiClusterJobs)
#include "test_gui_cluster_jobs.moc"
