// The cluster profiles dialog on the offscreen platform: what is typed ends up in profiles.json exactly
// as sluice-cli reads it, and invalid values are refused with the field named, leaving the file as it was.
#include "gui_test_main.hpp"
#include "jobs/profiles_file.hpp"
#include "services/jobs_service.hpp"
#include "widgets/profile_actions.hpp"
#include "widgets/profiles_dialog.hpp"
#include "widgets/ssh_import_dialog.hpp"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sluice;
using sluice::gui::JobsService;
using sluice::gui::ProfilesDialog;
namespace fs = std::filesystem;

namespace {

void type(ProfilesDialog& d, const char* field, const QString& value) {
    auto* e = d.findChild<QLineEdit*>(QLatin1String(field));
    QVERIFY2(e, field);
    e->selectAll();
    QTest::keyClicks(e, value);
}

void click(ProfilesDialog& d, const QString& label) {
    for (auto* b : d.findChildren<QPushButton*>())
        if (b->text() == label) return QTest::mouseClick(b, Qt::LeftButton);
    QFAIL(qPrintable("no button " + label));
}

// A TCP port on 127.0.0.1 that listens (and never says a word), or, closed, refuses connections.
struct Listener {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int port = 0;
    Listener() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), size) != 0 || ::listen(fd, 4) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0)
            qFatal("cannot listen on 127.0.0.1");
        port = ntohs(a.sin_port);
    }
    ~Listener() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    /// The next connection, accepted within `ms`; -1 when none came.
    int accept(int ms) const {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return -1;
        return ::accept(fd, nullptr, nullptr);
    }
};

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

std::vector<jobs::ClusterProfile> stored(const fs::path& file) {
    return jobs::load_profiles(file).value();
}

} // namespace

class TestProfilesDialog : public QObject {
    Q_OBJECT
    test::TempDir dir_;

private slots:
    void typedProfileIsSavedAsTheCliReadsIt() {
        const auto file = dir_ / "profiles.json";
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        type(d, "name", "hpc");
        type(d, "host", "login.hpc.example.org");
        type(d, "user", "alice");
        type(d, "scratch", "/scratch/alice");
        type(d, "partition", "short");
        type(d, "walltime", "02:00:00");
        d.findChild<QSpinBox*>("tasks")->setValue(32);
        d.findChild<QSpinBox*>("transferStreams")->setValue(4);
        auto* modules = d.findChild<QPlainTextEdit*>("modules");
        QTest::keyClicks(modules, "load hdf5/1.10");
        QTest::keyClick(modules, Qt::Key_Return);
        QTest::keyClicks(modules, "load fftw");
        type(d, "engine", "/opt/sluice/bin/sluice-engine");
        QTest::keyClicks(d.findChild<QPlainTextEdit*>("extraDirectives"), "--constraint=haswell");
        auto* prologue = d.findChild<QPlainTextEdit*>("prologue");
        QTest::keyClicks(prologue, "source /opt/site/env.sh");
        QTest::keyClick(prologue, Qt::Key_Return);
        QTest::keyClicks(prologue, "ulimit -s unlimited");
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Saved"), qPrintable(d.messageText()));
        const auto all = stored(file);
        QCOMPARE(all.size(), std::size_t(1));
        const auto& p = all.front();
        QCOMPARE(p.name, std::string("hpc"));
        QCOMPARE(p.user, std::string("alice"));
        QVERIFY(!p.port.has_value());
        QCOMPARE(p.resources.partition, std::string("short"));
        QCOMPARE(p.resources.tasks_per_node, 32);
        QCOMPARE(p.transfer_streams, 4);
        QCOMPARE(p.modules, (std::vector<std::string>{"load hdf5/1.10", "load fftw"}));
        QCOMPARE(p.engine.kind, jobs::EngineCommand::Kind::path);
        QCOMPARE(p.engine.value, std::string("/opt/sluice/bin/sluice-engine"));
        QCOMPARE(p.extra_directives, (std::vector<std::string>{"--constraint=haswell"}));
        QCOMPARE(p.prologue, (std::vector<std::string>{"source /opt/site/env.sh", "ulimit -s unlimited"}));
    }

    // A refusal names the field by its label, on its page, with the field focused; nothing is written.
    void invalidValuesAreRefusedAndNothingIsWritten() {
        const auto file = dir_ / "profiles.json";
        const auto before = stored(file);
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        QVERIFY(QTest::qWaitForWindowActive(&d));
        auto* pages = d.findChild<QTabWidget*>("profilePages");
        const auto page = [pages] { return pages->tabText(pages->currentIndex()); };
        QCOMPARE(d.profiles().size(), before.size()); // the existing profile is listed and shown
        QCOMPARE(d.findChild<QLineEdit*>("host")->text(), QString("login.hpc.example.org"));
        type(d, "partition", "short$(reboot)");
        pages->setCurrentIndex(0);
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Partition / queue: "), qPrintable(d.messageText()));
        QCOMPARE(page(), QString("Resources"));
        QCOMPARE(QApplication::focusWidget(), d.findChild<QLineEdit*>("partition"));
        QCOMPARE(stored(file).front().resources.partition, std::string("short"));
        type(d, "partition", "short");
        // An extra directive that Sluice sets itself names the field to use instead; the cursor goes
        // to the directive's line (blank lines are not entries).
        auto* directives = d.findChild<QPlainTextEdit*>("extraDirectives");
        QTest::keyClick(directives, Qt::Key_End, Qt::ControlModifier);
        QTest::keyClick(directives, Qt::Key_Return);
        QTest::keyClick(directives, Qt::Key_Return);
        QTest::keyClicks(directives, "--time=5:00:00");
        pages->setCurrentIndex(0);
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Extra directives, line 3: ") &&
                     d.messageText().contains("Walltime"),
                 qPrintable(d.messageText()));
        QCOMPARE(page(), QString("Job Script"));
        QCOMPARE(QApplication::focusWidget(), directives);
        QCOMPARE(directives->textCursor().blockNumber(), 2);
        QCOMPARE(stored(file).front().extra_directives, (std::vector<std::string>{"--constraint=haswell"}));
        directives->setPlainText("--constraint=haswell");
        // A relative scratch directory, refused while another page is shown.
        type(d, "scratch", "scratch/alice");
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Scratch directory: 'scratch/alice'"),
                 qPrintable(d.messageText()));
        QCOMPARE(page(), QString("Connection"));
        QCOMPARE(QApplication::focusWidget(), d.findChild<QLineEdit*>("scratch"));
        // The refusal stays while other fields are edited and goes once its own field is.
        type(d, "user", "alice");
        QVERIFY(d.messageText().startsWith("Scratch directory: "));
        type(d, "scratch", "/scratch/alice");
        QCOMPARE(d.messageText(), QString());
        // A second profile with a name that is taken is refused too, with the name focused.
        click(d, "New");
        type(d, "name", "hpc");
        type(d, "host", "other");
        type(d, "scratch", "/tmp");
        pages->setCurrentIndex(3);
        click(d, "Save");
        QVERIFY2(d.messageText().contains("used twice"), qPrintable(d.messageText()));
        QCOMPARE(page(), QString("Connection"));
        QCOMPARE(QApplication::focusWidget(), d.findChild<QLineEdit*>("name"));
        QCOMPARE(stored(file).size(), std::size_t(1));
        QCOMPARE(stored(file).front().scratch_dir, before.front().scratch_dir);
    }

    void editAndRemove() {
        const auto file = dir_ / "profiles.json";
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        type(d, "walltime", "1-00:00:00");
        click(d, "Save");
        QCOMPARE(stored(file).front().resources.walltime, std::string("1-00:00:00"));
        click(d, "Remove");
        QVERIFY(stored(file).empty());
    }

    // Import from SSH config…: the config's hosts are listed (wildcards and Match left out); the chosen
    // alias becomes a new profile's host and name, which is saved once a scratch directory is given.
    void importFromSshConfig() {
        const auto config = dir_ / "ssh_config";
        std::ofstream(config)
            << "Host *\n  User everyone\nHost hpc login2\n  HostName login.hpc.example.org\n"
               "  Port 2222\nMatch host hpc\n  User nobody\nHost gpu-*\n  User g\n";
        const auto file = dir_ / "imported.json";
        ProfilesDialog d(q(file));
        d.setSshConfig(q(config));
        d.show();
        QStringList listed;
        QTimer::singleShot(0, &d, [&] {
            auto* pick = qobject_cast<gui::SshImportDialog*>(QApplication::activeModalWidget());
            if (!pick) return;
            auto* hosts = pick->findChild<QTreeWidget*>("sshHosts");
            for (int i = 0; i < hosts->topLevelItemCount(); ++i) {
                const auto* item = hosts->topLevelItem(i);
                listed << item->text(0) + " " + item->text(1) + " " + item->text(2) + " " + item->text(3);
            }
            auto* ok = pick->findChild<QPushButton*>("sshImportOk");
            const bool disabled_before_choice = !ok->isEnabled();
            hosts->setCurrentItem(hosts->topLevelItem(0));
            if (disabled_before_choice)
                QTest::mouseClick(ok, Qt::LeftButton);
            else
                pick->reject();
        });
        QTest::mouseClick(d.findChild<QPushButton*>("importSshConfig"), Qt::LeftButton);
        QCOMPARE(listed, (QStringList{"hpc login.hpc.example.org everyone 2222",
                                      "login2 login.hpc.example.org everyone 2222"}));
        QCOMPARE(d.findChild<QLineEdit*>("name")->text(), QString("hpc"));
        QCOMPARE(d.findChild<QLineEdit*>("host")->text(), QString("hpc"));
        QVERIFY2(d.messageText().contains("everyone@login.hpc.example.org:2222"),
                 qPrintable(d.messageText()));
        type(d, "scratch", "/scratch/everyone");
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Saved"), qPrintable(d.messageText()));
        const auto saved = stored(file);
        QCOMPARE(saved.size(), std::size_t(1));
        QCOMPARE(saved.front().host, std::string("hpc"));
        QVERIFY(saved.front().user.empty() && !saved.front().port); // ssh_config's apply at login
    }

    // Test Connection runs profile test's checks on the jobs service's worker: a login that fails is
    // shown as the result; one that hangs shows a busy bar, and Cancel ends the wait at once.
    // (Against a real sshd and scheduler: tests/integration/scheduler/test_gui_profile_actions.cpp.)
    void testConnectionFailsOrIsCancelled() {
        JobsService::Files files{q(dir_ / "jobs.sqlite"), q(dir_ / "actions.json"), q(dir_ / "no-runs")};
        JobsService service(files);
        ProfilesDialog d(files.profiles);
        d.setJobsService(&service);
        d.show();
        auto* actions = d.actions();
        QVERIFY(actions);
        auto* test = d.findChild<QPushButton*>("testConnection");
        auto* cancel = d.findChild<QPushButton*>("cancelAction");
        auto* progress = d.findChild<QProgressBar*>("actionProgress");
        QVERIFY(test && cancel && progress);
        QVERIFY(!progress->isVisible() && !cancel->isVisible());
        // An invalid form is not tested: the message names the field.
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(!actions->busy());
        QVERIFY2(d.messageText().contains("no name"), qPrintable(d.messageText()));

        Listener closed;
        const auto closed_port = closed.port;
        closed.close();
        type(d, "name", "nowhere");
        type(d, "host", "127.0.0.1");
        type(d, "scratch", "/tmp");
        d.findChild<QSpinBox*>("port")->setValue(closed_port);
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(actions->busy() && progress->isVisible() && cancel->isVisible() && !test->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!actions->busy(), 60000);
        QVERIFY2(actions->resultText().startsWith("Failed:"), qPrintable(actions->resultText()));
        QVERIFY(test->isEnabled() && !progress->isVisible());

        // A server that accepts and never says a word: the login waits; Cancel ends the test at once.
        Listener silent;
        d.findChild<QSpinBox*>("port")->setValue(silent.port);
        QSignalSpy done(&service, &JobsService::profileTestDone);
        QTest::mouseClick(test, Qt::LeftButton);
        const int connection = silent.accept(30000);
        QVERIFY(connection >= 0);
        QVERIFY(actions->busy() && progress->isVisible());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(!actions->busy() && test->isEnabled() && !progress->isVisible());
        QCOMPARE(actions->resultText(), QString("Cancelled."));
        QVERIFY(actions->outputText().isEmpty());
        // The worker's login ends when the connection does; what it says then is not shown.
        ::close(connection);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
        QCOMPARE(done.first().at(4).toBool(), true);
        QCOMPARE(actions->resultText(), QString("Cancelled."));
        QVERIFY(stored(files.profiles.toStdString()).empty()); // testing saves nothing
    }
};

SLUICE_GUI_TEST_MAIN(TestProfilesDialog)
#include "test_profiles_dialog.moc"
