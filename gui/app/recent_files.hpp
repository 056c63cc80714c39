#pragma once
// The "Open Recent" list, kept in QSettings (most recent first, at most eight, existing files only).
#include <QObject>
#include <QStringList>

class QMenu;

namespace sluice::gui {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    RecentFiles(QMenu* menu, QObject* parent = nullptr);
    void add(const QString& path);
    [[nodiscard]] QStringList files() const;

signals:
    void openRequested(const QString& path);

private:
    void rebuild();
    QMenu* menu_;
};

} // namespace sluice::gui
