#pragma once
// Desktop notifications through the freedesktop notification service on the session D-Bus
// (org.freedesktop.Notifications: GNOME, KDE, XFCE, dunst, ...), with an "Open Result" action. Jobs end
// hours after they were started, often while the window is hidden: a notification that outlives the
// status bar's line is how the user learns it. Without the service (no session bus, a bare window
// manager) available() is false and the caller falls back to the tray or the status bar.
#include <QObject>
#include <QString>
#include <map>

namespace sluice::gui {

class DesktopNotifier : public QObject {
    Q_OBJECT
public:
    explicit DesktopNotifier(QObject* parent = nullptr);

    /// A notification service is registered on the session bus now.
    [[nodiscard]] bool available() const;
    /// Show `summary`/`body`; with a non-empty `job`, offer "Open Result" for it. False when the service
    /// could not be reached.
    bool notify(const QString& summary, const QString& body, const QString& job, bool warning);

signals:
    /// The user chose "Open Result" (or clicked the notification) of `job`.
    void openRequested(const QString& job);

private slots:
    void actionInvoked(uint id, const QString& action);
    void closed(uint id, uint reason);

private:
    std::map<uint, QString> jobs_; ///< notification id → the job it is about
};

} // namespace sluice::gui
