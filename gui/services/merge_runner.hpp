#pragma once
// `sluice-engine merge --result OUT --into SRC` in the background: the one operation that changes the
// user's own file, atomically (a full copy, fsync, rename) or not at all. Reports the outcome in words.
#include "util/error.hpp"

#include <QObject>
#include <QString>

class QProcess;

namespace sluice::gui {

class MergeRunner : public QObject {
    Q_OBJECT
public:
    explicit MergeRunner(QObject* parent = nullptr);

    /// Start merging `result` into `source`; `finished` tells how it went. Refused while one runs.
    Status start(const QString& result, const QString& source);
    [[nodiscard]] bool running() const { return process_ != nullptr; }

signals:
    /// `group`: where the results group landed in the source (ok only).
    void finished(bool ok, const QString& message, const QString& group);

private:
    QProcess* process_ = nullptr;
};

/// sluice-engine for the app: $SLUICE_ENGINE, beside the app, the build tree, PATH; empty if none.
[[nodiscard]] QString find_engine();

/// The reason in what the engine printed: its own "sluice-engine: ..." line (mpirun surrounds it with
/// banners of its own), else the first line that says anything.
[[nodiscard]] QString engine_reason(const QString& output);

} // namespace sluice::gui
