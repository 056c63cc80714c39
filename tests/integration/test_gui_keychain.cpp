// Remembered passwords (docs/DESIGN.md §8) against a real keychain and a real sshd: the test runs under
// `dbus-run-session` (tests/integration/CMakeLists.txt) and starts gnome-keyring-daemon there itself,
// unlocked, with a HOME and XDG_RUNTIME_DIR of its own, and stops it by its PID. The login questions are
// the app's dialogs, answered through their widgets; the profile logs in to the sshd fixture's test user
// by password (ssh config alias "loop-pw", no key).
#include "cluster_env.hpp"
#include "common/engine_cases.hpp"
#include "jobs/cluster_client.hpp"
#include "jobs/job_store.hpp"
#include "jobs/profiles_file.hpp"
#include "qstring_from.hpp"
#include "services/jobs_service.hpp"
#include "services/keychain.hpp"
#include "widgets/login_dialog.hpp"
#include "widgets/profiles_dialog.hpp"

#include <QApplication>
#include <QCheckBox>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>
#include <deque>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::JobsService;
using sluice::gui::q;
using sluice::test::q;

namespace {

/// Answers the login dialogs as they open, from a list of {password, tick Remember}; with none left it
/// clicks "Log In Later". Records each question's text and whether Remember could be ticked.
class Answerer : public QObject {
public:
    struct Answer {
        QString password;
        bool remember = false;
    };
    explicit Answerer(std::deque<Answer> answers) : answers_(std::move(answers)) {
        connect(&timer_, &QTimer::timeout, this, &Answerer::look);
        timer_.start(20);
    }
    QStringList questions;
    std::vector<bool> remember_enabled;

private:
    void look() {
        auto* dialog = QApplication::activeModalWidget();
        if (!dialog || dialog->objectName() != "login_dialog" || !dialog->isVisible()) return;
        questions << dialog->findChild<QLabel*>("login_question")->text();
        auto* remember = dialog->findChild<QCheckBox*>("login_remember");
        remember_enabled.push_back(remember && remember->isEnabled());
        if (answers_.empty()) return dialog->findChild<QPushButton*>("login_later")->click();
        const auto a = answers_.front();
        answers_.pop_front();
        dialog->findChild<QLineEdit*>("login_answer")->setText(a.password);
        if (remember) remember->setChecked(a.remember);
        dialog->findChild<QPushButton*>("login_ok")->click();
    }
    std::deque<Answer> answers_;
    QTimer timer_;
};

} // namespace

class TestGuiKeychain : public QObject {
    Q_OBJECT
    ClusterEnv env_;
    TempDir dir_;
    QProcess keyring_;
    JobsService::Files files_;
    jobs::ClusterProfile profile_;
    QString key_; ///< user@host:port of the profile's login

    std::optional<std::string> saved() {
        std::optional<std::optional<std::string>> out;
        QObject context;
        gui::keychain::read(key_, &context, [&](std::optional<std::string> s) { out = std::move(s); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000)) qFatal("the keychain did not answer");
        return *out;
    }
    void save(const std::string& secret) {
        std::optional<QString> error;
        QObject context;
        gui::keychain::write(key_, secret, &context, [&](const QString& e) { error = e; });
        QVERIFY(QTest::qWaitFor([&] { return error.has_value(); }, 10000));
        QVERIFY2(error->isEmpty(), qPrintable(*error));
    }
    /// A login for the job's log, its questions answered by `answerer`; the text of the log.
    static QString readLog(JobsService& service) {
        QSignalSpy log(&service, &JobsService::logReady);
        QSignalSpy failed(&service, &JobsService::actionFailed);
        service.readLog("kc-1");
        if (!QTest::qWaitFor([&] { return !log.isEmpty() || !failed.isEmpty(); }, 120000)) return "timeout";
        return log.isEmpty() ? "failed: " + failed.first().at(1).toString() : log.first().at(1).toString();
    }

private slots:
    void initTestCase() {
        env_ = ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"), "run under dbus-run-session");
        // The keyring: its own HOME and runtime directory, unlocked with a password on stdin.
        const auto home = dir_ / "keyring home", run = dir_ / "run";
        std::filesystem::create_directories(home);
        std::filesystem::create_directories(run);
        std::filesystem::permissions(run, std::filesystem::perms::owner_all);
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", q(home.string()));
        env.insert("XDG_RUNTIME_DIR", q(run.string()));
        keyring_.setProcessEnvironment(env);
        keyring_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        keyring_.start("gnome-keyring-daemon", {"--foreground", "--unlock", "--components=secrets"});
        QVERIFY2(keyring_.waitForStarted(), "gnome-keyring-daemon does not start");
        keyring_.write("keyring password of the test");
        keyring_.closeWriteChannel();
        auto* bus = QDBusConnection::sessionBus().interface();
        QVERIFY(bus);
        QTRY_VERIFY_WITH_TIMEOUT(bus->isServiceRegistered("org.freedesktop.secrets").value(), 10000);
        QVERIFY2(gui::keychain::unavailableReason().isEmpty(),
                 qPrintable(gui::keychain::unavailableReason()));

        // The client: its own HOME with an ssh config alias that logs in by password only.
        const auto client = dir_ / "client home";
        std::filesystem::create_directories(client / ".ssh");
        write_text(client / ".ssh/config", "Host loop-pw\n  HostName " + env_["SSH_HOST"] + "\n  Port " +
                                               env_["SSH_PORT"] + "\n  User " + env_["SSH_USER"] +
                                               "\n  PubkeyAuthentication no\n");
        write_text(client / ".ssh/known_hosts",
                   known_hosts_line(env_, env_.port(), env_["SSH_HOST_KEY_PUB"]));
        qputenv("HOME", client.string().c_str());
        qunsetenv("SSH_AUTH_SOCK");
        profile_.name = "kc";
        profile_.host = "loop-pw";
        profile_.scratch_dir = "/tmp/sluice-keychain-test";
        files_ = {q((dir_ / "jobs.sqlite").string()), q((dir_ / "profiles.json").string()),
                  q((dir_ / "no-local-runs").string())};
        QVERIFY(jobs::save_profiles(dir_ / "profiles.json", {profile_}));
        auto store = jobs::JobStore::open(dir_ / "jobs.sqlite");
        QVERIFY(store);
        jobs::JobRecord job;
        job.id = "kc-1";
        job.profile = "kc";
        job.state = jobs::JobState::done;
        QVERIFY(store->insert(job));
        // The key: the account the alias reaches, as the login names it.
        auto peer = remote::Session::peer_of(jobs::session_options_for(profile_));
        QVERIFY(peer);
        key_ = q(*peer);
        QCOMPARE(key_, q(env_["SSH_USER"] + "@" + env_["SSH_HOST"] + ":" + env_["SSH_PORT"]));
    }

    void cleanupTestCase() {
        if (keyring_.state() == QProcess::NotRunning) return;
        keyring_.terminate(); // SIGTERM to its PID
        if (!keyring_.waitForFinished(5000)) keyring_.kill();
    }

    // Ticked with a typo first: nothing is saved until the server accepts a password; then a new
    // service (as at the next start of the app) logs in without asking.
    void tickedPasswordIsSavedAndUsedNextTime() {
        QVERIFY(!saved());
        const auto password = q(env_["SSH_PASSWORD"]);
        {
            QMainWindow window;
            JobsService service(files_);
            service.setPrompter(gui::loginDialogs(&window, service));
            QSignalSpy notes(&service, &JobsService::keychainNote);
            Answerer answerer({{"not the password", true}, {password, true}});
            QCOMPARE(readLog(service), QString("The job has written no output yet."));
            QCOMPARE(answerer.questions.size(), 2);
            QVERIFY2(answerer.questions[1].contains("not accepted"), qPrintable(answerer.questions[1]));
            QCOMPARE(answerer.remember_enabled, (std::vector<bool>{true, true}));
            QTRY_COMPARE(notes.size(), 1);
            QCOMPARE(notes[0][0].toString(),
                     QString("The password for %1 is saved in the keychain.").arg(key_));
        }
        QCOMPARE(saved(), std::optional<std::string>(env_["SSH_PASSWORD"]));
        QMainWindow window;
        JobsService service(files_);
        service.setPrompter(gui::loginDialogs(&window, service));
        Answerer answerer({});
        QCOMPARE(readLog(service), QString("The job has written no output yet."));
        QCOMPARE(answerer.questions, QStringList());
    }

    // A saved password the server refuses is removed, and the user is asked as after a typo; not ticked,
    // the right one is not saved.
    void refusedSavedPasswordIsRemovedAndAskedFor() {
        save("an old password");
        QMainWindow window;
        JobsService service(files_);
        service.setPrompter(gui::loginDialogs(&window, service));
        QSignalSpy notes(&service, &JobsService::keychainNote);
        Answerer answerer({{q(env_["SSH_PASSWORD"]), false}});
        QCOMPARE(readLog(service), QString("The job has written no output yet."));
        QCOMPARE(answerer.questions.size(), 1);
        QVERIFY2(answerer.questions[0].contains("not accepted"), qPrintable(answerer.questions[0]));
        QTRY_COMPARE(notes.size(), 1);
        QCOMPARE(notes[0][0].toString(),
                 QString("The password saved for %1 was not accepted: it is removed from the keychain.")
                     .arg(key_));
        QVERIFY(!saved());
    }

    // "Log In Later" saves nothing, and the next login asks again.
    void logInLaterSavesNothing() {
        QVERIFY(!saved());
        QMainWindow window;
        JobsService service(files_);
        service.setPrompter(gui::loginDialogs(&window, service));
        Answerer answerer({});
        QVERIFY(readLog(service).startsWith("failed: "));
        QCOMPARE(answerer.questions.size(), 1);
        QVERIFY(!saved());
    }

    // Cluster Profiles…: "Forget Saved Password" removes the selected profile's account's password.
    void profilesDialogForgetsThePassword() {
        save("to be forgotten");
        gui::ProfilesDialog dialog(files_.profiles);
        auto* forget = dialog.findChild<QPushButton*>("forget_password");
        QVERIFY(forget);
        forget->click();
        QTRY_COMPARE(dialog.messageText(), QString("Forgot the password saved for %1.").arg(key_));
        QVERIFY(!saved());
        forget->click();
        QTRY_COMPARE(dialog.messageText(), QString("No password is saved for %1.").arg(key_));
    }
};

QTEST_MAIN(TestGuiKeychain)
#include "test_gui_keychain.moc"
