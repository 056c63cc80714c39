#include "services/keychain.hpp"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QStringList>
#include <qt6keychain/keychain.h>

namespace sluice::gui::keychain {
namespace {

const QString kService = QStringLiteral("Sluice");

/// Runs `job` and hands it to `finished` when it ends; the job deletes itself afterwards.
template <class Job, class F>
void start(Job* job, const QString& key, QObject* context, F finished) {
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text file instead of the keychain
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [job, finished = std::move(finished)](QKeychain::Job*) { finished(*job); });
    job->start();
}

} // namespace

QString unavailableReason() {
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    // QtKeychain speaks to a Secret Service (GNOME Keyring, KeePassXC, …) or to KWallet on the session bus;
    // a name that is registered or can be started by the bus will do.
    auto bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return QObject::tr("No password can be remembered: this desktop session has no D-Bus session bus, "
                           "so no keychain is reachable.");
    const auto* names = bus.interface();
    if (!names) return QObject::tr("No password can be remembered: the D-Bus session bus does not answer.");
    const QStringList services{QStringLiteral("org.freedesktop.secrets"), QStringLiteral("org.kde.kwalletd6"),
                               QStringLiteral("org.kde.kwalletd5")};
    const auto activatable = names->activatableServiceNames().value();
    for (const auto& s : services)
        if (names->isServiceRegistered(s).value() || activatable.contains(s)) return {};
    return QObject::tr("No password can be remembered: no keychain service (GNOME Keyring, KWallet or "
                       "another Secret Service) runs in this desktop session.");
#else
    return {};
#endif
}

void read(const QString& key, QObject* context, std::function<void(std::optional<std::string>)> done) {
    start(new QKeychain::ReadPasswordJob(kService), key, context,
          [done = std::move(done)](const QKeychain::ReadPasswordJob& job) {
              if (job.error() != QKeychain::NoError) return done(std::nullopt);
              done(job.textData().toStdString());
          });
}

void write(const QString& key, const std::string& secret, QObject* context,
           std::function<void(const QString& error)> done) {
    auto* job = new QKeychain::WritePasswordJob(kService);
    job->setTextData(QString::fromStdString(secret));
    start(job, key, context, [done = std::move(done)](const QKeychain::WritePasswordJob& j) {
        done(j.error() == QKeychain::NoError ? QString() : j.errorString());
    });
}

void remove(const QString& key, QObject* context, std::function<void(const QString& error)> done) {
    start(new QKeychain::DeletePasswordJob(kService), key, context,
          [done = std::move(done)](const QKeychain::DeletePasswordJob& job) {
              const bool gone = job.error() == QKeychain::NoError || job.error() == QKeychain::EntryNotFound;
              done(gone ? QString() : job.errorString());
          });
}

} // namespace sluice::gui::keychain
