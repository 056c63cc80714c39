// A job that ends while the app runs is announced through the desktop's notification service on the
// session D-Bus, with "Open Result"; choosing it shows the result beside its source. The test starts a
// session bus of its own (dbus-daemon) and, on a second connection to it, a service that implements the
// freedesktop Notifications interface and records what it is asked to show, as a desktop's would.
#include "app/jobs_controller.hpp"
#include "app/main_window.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs_helpers.hpp"
#include "recipe/recipe.hpp"
#include "services/desktop_notifier.hpp"
#include "widgets/compare_bar.hpp"
#include "widgets/filter_designer.hpp"

#include <QAction>
#include <QApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QMutex>
#include <QProcess>
#include <QThread>
#include <QtTest>

using namespace sluice;
using namespace sluice::gui;
namespace fs = std::filesystem;

class NotificationService : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Shown {
        uint id = 0;
        QString summary, body;
        QStringList actions;
        QVariantMap hints;
    };
    // Called from the test's thread while the service's own thread records.
    std::vector<Shown> shown() const {
        const QMutexLocker lock(&mutex_);
        return shown_;
    }

public slots:
    uint Notify(const QString&, uint, const QString&, const QString& summary, const QString& body,
                const QStringList& actions, const QVariantMap& hints, int) {
        const QMutexLocker lock(&mutex_);
        shown_.push_back({static_cast<uint>(shown_.size() + 1), summary, body, actions, hints});
        return shown_.back().id;
    }
    QStringList GetCapabilities() { return {QStringLiteral("actions"), QStringLiteral("body")}; }
    void CloseNotification(uint id) { emit NotificationClosed(id, 3); }

signals:
    void ActionInvoked(uint id, const QString& action_key);
    void NotificationClosed(uint id, uint reason);

private:
    mutable QMutex mutex_;
    std::vector<Shown> shown_;
};

class TestNotifications : public QObject {
    Q_OBJECT
    test::TempDir dir_;
    NotificationService service_;
    QThread service_thread_; ///< the window's calls block its thread: the service answers from this one
    std::optional<QDBusConnection> server_;

private slots:
    void initTestCase() {
        // main() pointed DBUS_SESSION_BUS_ADDRESS at the test's bus before anything used it.
        const auto address = qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
        QVERIFY2(!address.isEmpty(), "no test session bus");
        server_.emplace(QDBusConnection::connectToBus(address, QStringLiteral("notification-service")));
        QVERIFY2(server_->isConnected(), qPrintable(server_->lastError().message()));
        service_.moveToThread(&service_thread_);
        service_thread_.start();
        QVERIFY(server_->registerObject(QStringLiteral("/org/freedesktop/Notifications"), &service_,
                                        QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals));
        QVERIFY(server_->registerService(QStringLiteral("org.freedesktop.Notifications")));
    }

    void endedJobIsNotifiedAndOpenResultCompares() {
        const auto src = dir_ / "notify.h5";
        QCOMPARE(test::synth(src, 32, 512, 1e6).exit_code, 0);
        MainWindow w;
        w.show();
        w.openFile(test::q(src));
        QTRY_COMPARE(w.currentDataset(), test::kRawData);
        auto recipe = recipe::parse_recipe(test::full_recipe());
        QVERIFY(recipe.has_value());
        w.designer()->setRecipe(*recipe);
        QTRY_VERIFY(!w.busy());
        QAction* run = w.jobs()->runHereAction();
        QTRY_VERIFY(run->isEnabled());
        run->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!service_.shown().empty(), 240000);
        const auto shown = service_.shown().back();
        QVERIFY2(shown.summary.contains("Done"), qPrintable(shown.summary));
        QVERIFY(shown.actions.contains("open") && shown.actions.contains("Open Result"));
        QCOMPARE(shown.hints.value("desktop-entry").toString(), QString("sluice"));
        QVERIFY(!w.compareBar()->isVisible());

        // The user clicks "Open Result": the result is shown beside its source.
        QVERIFY(server_->send(QDBusMessage::createSignal("/org/freedesktop/Notifications",
                                                         "org.freedesktop.Notifications", "ActionInvoked")
                              << shown.id << QString("open")));
        QTRY_VERIFY_WITH_TIMEOUT(w.compareBar()->isVisible(), 30000);
    }

    void withoutTheServiceNothingIsClaimed() {
        DesktopNotifier notifier;
        QVERIFY(notifier.available());
        QVERIFY(server_->unregisterService(QStringLiteral("org.freedesktop.Notifications")));
        QTRY_VERIFY(!notifier.available());
        QVERIFY(!notifier.notify("Sluice job x: Done", "result in /tmp/x.h5", "x", false));
    }

    void cleanupTestCase() {
        service_thread_.quit();
        service_thread_.wait();
    }
};

int main(int argc, char** argv) {
    sluice::test::TempDir config;
    qputenv("XDG_CONFIG_HOME", QByteArray::fromStdString(config.path().string()));
    qputenv("XDG_DATA_HOME", QByteArray::fromStdString((config.path() / "data").string()));
    // A session bus of the test's own, stopped by pid at the end.
    QProcess bus;
    bus.start(QStringLiteral("dbus-daemon"), {"--session", "--nofork", "--print-address=1"});
    if (!bus.waitForStarted() || !bus.waitForReadyRead(10000)) qFatal("cannot start dbus-daemon");
    qputenv("DBUS_SESSION_BUS_ADDRESS", bus.readLine().trimmed());
    int rc = 0;
    {
        QApplication app(argc, argv);
        QApplication::setOrganizationName(QStringLiteral("sluice-tests"));
        QApplication::setApplicationName(QStringLiteral("TestNotifications"));
        TestNotifications test;
        rc = QTest::qExec(&test, argc, argv);
    }
    bus.terminate();
    bus.waitForFinished(5000);
    return rc;
}

#include "test_notifications.moc"
