#include "services/merge_runner.hpp"

#include "jobs/local_profile.hpp"

#include <QFileInfo>
#include <QProcess>
#include <algorithm>

namespace sluice::gui {

QString find_engine() {
    return QString::fromStdString(jobs::find_local_engine().string());
}

QString engine_reason(const QString& output) {
    const auto lines = output.split(QLatin1Char('\n'));
    for (const auto& line : lines) {
        const QString t = line.trimmed();
        if (t.startsWith(QStringLiteral("sluice-engine: ")) && !t.contains(QStringLiteral(" rows (")))
            return t;
    }
    for (const auto& line : lines) {
        const QString t = line.trimmed();
        if (std::ranges::any_of(t, [](QChar c) { return c.isLetterOrNumber(); })) return t;
    }
    return {};
}

MergeRunner::MergeRunner(QObject* parent) : QObject(parent) {}

Status MergeRunner::start(const QString& result, const QString& source) {
    if (process_) return fail(ErrorKind::refused, "A merge is already under way.");
    const QString engine = find_engine();
    if (engine.isEmpty())
        return fail(ErrorKind::bad_input,
                    "Sluice cannot find sluice-engine: install it next to sluice or on the "
                    "PATH, or set SLUICE_ENGINE to its path.");
    process_ = new QProcess(this);
    const QString src = QFileInfo(source).fileName();
    connect(process_, &QProcess::finished, this, [this, src](int code, QProcess::ExitStatus status) {
        const QString out = QString::fromUtf8(process_->readAllStandardOutput()).trimmed();
        const QString err = engine_reason(QString::fromUtf8(process_->readAllStandardError()));
        process_->deleteLater();
        process_ = nullptr;
        if (status == QProcess::NormalExit && code == 0) {
            const QString group = out.section(QStringLiteral(" as "), -1);
            emit finished(true, tr("Merged: %1 now holds %2.").arg(src, group), group);
        } else if (status == QProcess::NormalExit && code == 2) {
            emit finished(false, tr("The merge was refused and %1 is unchanged: %2").arg(src, err), {});
        } else {
            emit finished(false, tr("The merge failed; %1 is unchanged. %2").arg(src, err), {});
        }
    });
    connect(process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return;
        const QString why = process_->errorString();
        process_->deleteLater();
        process_ = nullptr;
        emit finished(false, tr("Could not start sluice-engine: %1").arg(why), {});
    });
    process_->start(engine, {QStringLiteral("merge"), QStringLiteral("--result"), result,
                             QStringLiteral("--into"), source});
    return {};
}

} // namespace sluice::gui
