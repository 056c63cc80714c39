// The profiles dialog's Test Connection against the test cluster (sshd + Slurm, or sshd + OpenPBS): the
// checks of `sluice-cli profile test` on JobsService's worker, the password question asked on the UI
// thread with what it is for, the lines and the result shown in the dialog; a missing engine offers the
// deploy; Cancel during the login question ends the test before any check runs. A profile imported
// from the client's ~/.ssh/config tests as well, Deploy Engine… records an engine already there, and
// Send Test Job runs the deployed engine's first job through the scheduler to its result.
#include "cluster_login.hpp"
#include "common/h5_fixtures.hpp"
#include "gui/jobs_helpers.hpp"
#include "jobs/profiles_file.hpp"
#include "services/h5_service.hpp"
#include "services/jobs_service.hpp"
#include "sluice/version.hpp"
#include "widgets/profile_actions.hpp"
#include "widgets/profiles_dialog.hpp"
#include "widgets/ssh_import_dialog.hpp"

#include <QApplication>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QTreeWidget>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::JobsService;
using sluice::gui::ProfileActions;
using sluice::gui::ProfilesDialog;
namespace fs = std::filesystem;

namespace {

const jobs::Scheduler kScheduler = jobs::scheduler_from_string(SLUICE_SCHEDULER).value();

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

void type(ProfilesDialog& d, const char* field, const QString& value) {
    auto* e = d.findChild<QLineEdit*>(QLatin1String(field));
    QVERIFY2(e, field);
    e->selectAll();
    QTest::keyClicks(e, value);
}

} // namespace

class TestGuiProfileActions : public QObject {
    Q_OBJECT
    TempDir dir_;
    ClusterLogin login_;
    JobsService::Files files_;

    // Runs Test Connection on the dialog's current profile and waits for its end.
    static void run_test(ProfilesDialog& d) {
        QTest::mouseClick(d.findChild<QPushButton*>("testConnection"), Qt::LeftButton);
        QVERIFY(d.actions()->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!d.actions()->busy(), 120000);
    }

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
        auto pw = login_.password_profile("loop-pw");
        // The profile's prologue runs in the engine check as in a job.
        pw.prologue = {"export SLUICE_PROLOGUE_SEEN=1", "test \"$SLUICE_PROLOGUE_SEEN\" = 1"};
        QVERIFY(jobs::save_profiles(dir_ / "profiles.json", {pw}));
    }

    void testConnectionShowsWhatItFound() {
        JobsService service(files_);
        QStringList asked_for;
        remote::SessionCallbacks prompter;
        prompter.password = [&](const std::string& who, int) -> std::optional<std::string> {
            asked_for << QString::fromStdString(who);
            return login_.cluster["SSH_PASSWORD"];
        };
        service.setPrompter(prompter);
        ProfilesDialog d(files_.profiles);
        d.setJobsService(&service);
        d.show();
        QSignalSpy needed(d.actions(), &ProfileActions::engineNeeded);
        run_test(d);
        const auto out = d.actions()->outputText();
        qInfo("Test Connection showed:\n%s\n%s", qPrintable(out), qPrintable(d.actions()->resultText()));
        QCOMPARE(asked_for.size(), 1);
        QVERIFY2(asked_for[0].contains("to test profile loop-pw"), qPrintable(asked_for[0]));
        const QString submit = kScheduler == jobs::Scheduler::slurm ? "sbatch is /" : "qsub is /";
        QVERIFY2(out.contains("logged in to") && out.contains(submit) &&
                     out.contains("/sluice is writable") && out.contains("sluice-engine "),
                 qPrintable(out));
        QVERIFY2(d.actions()->resultText().startsWith("Everything works"),
                 qPrintable(d.actions()->resultText()));
        QCOMPARE(needed.count(), 0);

        // The same login serves a second test (one question per host and app run), of the form as it is:
        // an engine that is not there is named, and the deploy offered.
        type(d, "engine", "/nonexistent/sluice-engine");
        run_test(d);
        QCOMPARE(asked_for.size(), 1);
        QVERIFY2(d.actions()->resultText().contains("No usable engine") &&
                     d.actions()->resultText().contains("Deploy Engine"),
                 qPrintable(d.actions()->resultText()));
        QCOMPARE(needed.count(), 1);
        QVERIFY(d.actions()->outputText().contains("logged in to"));
        // Testing saves nothing.
        QCOMPARE(jobs::load_profiles(files_.profiles.toStdString())->front().engine.value,
                 login_.password_profile("x").engine.value);
    }

    void cancelDuringTheLoginQuestion() {
        JobsService service(files_);
        ProfilesDialog d(files_.profiles);
        d.setJobsService(&service);
        d.show();
        QSignalSpy done(&service, &JobsService::profileTestDone);
        remote::SessionCallbacks prompter;
        prompter.password = [&](const std::string&, int) -> std::optional<std::string> {
            // The user clicks Cancel while the question is open, then answers it anyway.
            QTest::mouseClick(d.findChild<QPushButton*>("cancelAction"), Qt::LeftButton);
            return login_.cluster["SSH_PASSWORD"];
        };
        service.setPrompter(prompter);
        QTest::mouseClick(d.findChild<QPushButton*>("testConnection"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 120000);
        QCOMPARE(done.first().at(4).toBool(), true); // the worker stopped after the login
        QCOMPARE(d.actions()->resultText(), QString("Cancelled."));
        QVERIFY2(d.actions()->outputText().isEmpty(), qPrintable(d.actions()->outputText()));
    }

    void importedHostTestsAndDeploys() {
        JobsService::Files files = files_;
        files.profiles = q(dir_ / "imported.json");
        JobsService service(files);
        gui::H5Service h5;
        ProfilesDialog d(files.profiles);
        d.setJobsService(&service, &h5);
        d.setSshConfig(q(login_.client_home / ".ssh/config"));
        d.show();
        QStringList listed;
        QTimer::singleShot(0, &d, [&] {
            auto* pick = qobject_cast<gui::SshImportDialog*>(QApplication::activeModalWidget());
            if (!pick) return;
            auto* hosts = pick->findChild<QTreeWidget*>("sshHosts");
            for (int i = 0; i < hosts->topLevelItemCount(); ++i)
                listed << hosts->topLevelItem(i)->text(0);
            hosts->setCurrentItem(hosts->topLevelItem(0));
            QTest::mouseClick(pick->findChild<QPushButton*>("sshImportOk"), Qt::LeftButton);
        });
        QTest::mouseClick(d.findChild<QPushButton*>("importSshConfig"), Qt::LeftButton);
        QCOMPARE(listed, (QStringList{"loop", "loop-pw"}));
        type(d, "scratch", QString::fromStdString(login_.profile().scratch_dir));
        type(d, "engine", q(login_.engine));
        QTest::mouseClick(d.findChild<QPushButton*>("testConnection"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!d.actions()->busy(), 120000);
        QVERIFY2(d.actions()->resultText().startsWith("Everything works"),
                 qPrintable(d.actions()->resultText()));

        // Deploy Engine… finds this version where it installs it: nothing is built, the path is recorded
        // in the (saved) profile and shown.
        const auto prefix = login_.user_home / ".local/share/sluice/engine" / sluice::version;
        fs::create_directories(prefix / "bin");
        fs::copy_file(login_.engine, prefix / "bin/sluice-engine", fs::copy_options::overwrite_existing);
        answer_next_box(QMessageBox::Yes);
        QTest::mouseClick(d.findChild<QPushButton*>("deployEngine"), Qt::LeftButton);
        QVERIFY(d.actions()->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!d.actions()->busy(), 120000);
        qInfo("Deploy Engine showed:\n%s\n%s", qPrintable(d.actions()->outputText()),
              qPrintable(d.actions()->resultText()));
        QVERIFY2(d.actions()->resultText().contains("was there already"),
                 qPrintable(d.actions()->resultText()));
        QVERIFY2(d.actions()->outputText().contains("nothing to build"),
                 qPrintable(d.actions()->outputText()));
        const auto saved = jobs::load_profiles(files.profiles.toStdString()).value();
        QCOMPARE(saved.size(), std::size_t(1));
        QCOMPARE(saved.front().host, std::string("loop"));
        QCOMPARE(saved.front().engine.value, (prefix / "bin/sluice-engine").string());
        QCOMPARE(d.findChild<QLineEdit*>("engine")->text(), q(prefix / "bin/sluice-engine"));

        // Send Test Job: the deployed engine's first job, 2 ranks through the scheduler, followed by the
        // service like every job until its result is here.
        auto* send = d.findChild<QPushButton*>("sendTestJob");
        QVERIFY(send && send->isVisible() && send->isEnabled());
        QSignalSpy sent(d.actions(), &ProfileActions::testJobSent);
        QTest::mouseClick(send, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!d.actions()->busy(), 60000);
        QVERIFY2(sent.count() == 1, qPrintable(d.actions()->resultText()));
        const auto id = sent.first().at(0).toString();
        QVERIFY2(d.actions()->resultText().contains(id), qPrintable(d.actions()->resultText()));
        QTRY_VERIFY_WITH_TIMEOUT(service.job(id) && (service.job(id)->state == jobs::JobState::done ||
                                                     service.job(id)->state == jobs::JobState::failed),
                                 240000);
        const auto job = *service.job(id);
        QVERIFY2(job.state == jobs::JobState::done, job.message.c_str());
        QCOMPARE(job.profile, std::string("loop"));
        QCOMPARE(nlohmann::json::parse(job.resources_json).at("tasks_per_node").get<int>(), 2);
        QVERIFY(fs::exists(job.local_output));
        QVERIFY(fs::path(job.local_input).parent_path().parent_path() == dir_ / "deploy-tests");
        fs::remove_all(login_.user_home / ".local/share/sluice/engine");
    }
};

QTEST_MAIN(TestGuiProfileActions)
#include "test_gui_profile_actions.moc"
