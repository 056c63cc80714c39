#include "common/engine_runner.hpp"

#include <QFile>

#include "common/h5_fixtures.hpp"

namespace sluice::test {

EngineRun run_engine(const QStringList& args, int ranks, std::chrono::milliseconds timeout,
                     const std::function<void(qint64)>& during) {
    QProcess p;
    const QString engine = QString::fromStdString(engine_exe().string());
    if (ranks > 0) {
        QStringList full{"-np", QString::number(ranks), "--oversubscribe", engine};
        full += args;
        p.start("mpirun", full);
    } else {
        p.start(engine, args);
    }
    EngineRun r;
    if (!p.waitForStarted(30000)) {
        r.err = "could not start: " + p.errorString();
        return r;
    }
    if (during) during(p.processId());
    p.waitForFinished(static_cast<int>(timeout.count()));
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out\n";
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exit_code = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err += QString::fromUtf8(p.readAllStandardError());
    return r;
}

std::vector<qint64> child_pids(qint64 pid) {
    std::vector<qint64> out;
    QFile f(QString("/proc/%1/task/%1/children").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const auto& tok : QString::fromLatin1(f.readAll()).split(' ', Qt::SkipEmptyParts)) out.push_back(tok.toLongLong());
    return out;
}

} // namespace sluice::test
