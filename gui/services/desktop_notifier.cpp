#include "services/desktop_notifier.hpp"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusReply>
#include <QVariantMap>

namespace sluice::gui {
namespace {

const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
const QString kInterface = QStringLiteral("org.freedesktop.Notifications");

} // namespace

DesktopNotifier::DesktopNotifier(QObject* parent) : QObject(parent) {
    auto bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) return;
    // The service broadcasts these to every client: ids that are not ours are ignored.
    bus.connect(kService, kPath, kInterface, QStringLiteral("ActionInvoked"), this,
                SLOT(actionInvoked(uint, QString)));
    bus.connect(kService, kPath, kInterface, QStringLiteral("NotificationClosed"), this,
                SLOT(closed(uint, uint)));
}

bool DesktopNotifier::available() const {
    auto bus = QDBusConnection::sessionBus();
    return bus.isConnected() && bus.interface() && bus.interface()->isServiceRegistered(kService).value();
}

bool DesktopNotifier::notify(const QString& summary, const QString& body, const QString& job, bool warning) {
    auto bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) return false;
    auto call = QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("Notify"));
    // "default" is the notification's own click; "open" the button.
    const QStringList actions = job.isEmpty() ? QStringList{}
                                              : QStringList{QStringLiteral("default"), tr("Open Result"),
                                                            QStringLiteral("open"), tr("Open Result")};
    QVariantMap hints;
    hints.insert(QStringLiteral("desktop-entry"), QStringLiteral("sluice"));
    hints.insert(QStringLiteral("urgency"), QVariant::fromValue<uchar>(warning ? 2 : 1));
    call << QStringLiteral("Sluice") << uint{0} << QStringLiteral("sluice") << summary << body << actions
         << hints << int{-1};
    // A short wait: the service answers at once, and a hung one must not freeze the window.
    const QDBusReply<uint> reply = bus.call(call, QDBus::Block, 2000);
    if (!reply.isValid()) return false;
    if (!job.isEmpty()) jobs_[reply.value()] = job;
    return true;
}

void DesktopNotifier::actionInvoked(uint id, const QString& action) {
    const auto it = jobs_.find(id);
    if (it == jobs_.end() || (action != QLatin1String("default") && action != QLatin1String("open"))) return;
    emit openRequested(it->second);
}

void DesktopNotifier::closed(uint id, uint) {
    jobs_.erase(id);
}

} // namespace sluice::gui
