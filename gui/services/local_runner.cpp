#include "services/local_runner.hpp"

#include "util/atomic_file.hpp"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>
#include <algorithm>
#include <csignal>
#include <sched.h>
#include <set>
#include <unistd.h>
#include <utility>

namespace sluice::gui {
namespace {

constexpr int kPollMs = 500;

using State = LocalRun::State;

const std::pair<State, const char*> kStateNames[] = {
    {State::starting, "starting"},
    {State::running, "running"},
    {State::stopping, "stopping"},
    {State::stopped, "stopped"},
    {State::stopped_unexpectedly, "stopped_unexpectedly"},
    {State::done, "done"},
    {State::failed, "failed"},
};

QString state_name(State s) {
    for (const auto& [state, name] : kStateNames)
        if (state == s) return QString::fromLatin1(name);
    return {};
}

std::optional<State> state_from(const QString& name) {
    for (const auto& [state, n] : kStateNames)
        if (name == QLatin1String(n)) return state;
    return std::nullopt;
}

QString readText(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// Field 22 of /proc/PID/stat (start time in clock ticks); 0 when the process is gone or a zombie.
// Detached processes are re-parented, possibly to an init that never reaps them, hence the zombie check.
qint64 start_ticks(qint64 pid) {
    if (pid <= 0) return 0;
    const QString stat = readText(QStringLiteral("/proc/%1/stat").arg(pid));
    const auto close = stat.lastIndexOf(QLatin1Char(')'));
    if (close < 0) return 0;
    const QStringList fields = stat.mid(close + 2).split(QLatin1Char(' '));
    if (fields.size() < 20 || fields[0] == QLatin1String("Z") || fields[0] == QLatin1String("X")) return 0;
    return fields[19].toLongLong();
}

bool alive(const LocalRun& r) {
    const qint64 ticks = start_ticks(r.pid);
    return ticks != 0 && (r.start_ticks == 0 || ticks == r.start_ticks);
}

QString executable(const QString& path) {
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable() ? info.absoluteFilePath() : QString();
}

// OpenMPI refuses to run as root unless both variables are set; the product never sets them itself.
bool mpirun_usable() {
    if (::geteuid() != 0) return true;
    return qgetenv("OMPI_ALLOW_RUN_AS_ROOT") == "1" && qgetenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM") == "1";
}

// The first line that says something: mpirun frames its messages with rules of dashes.
// The engine's own reason ("sluice-engine: ..."), which mpirun surrounds with banners of its own; else
// the first line that says anything.
QString failure_reason(const QString& log) {
    const auto lines = log.split(QLatin1Char('\n'));
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

} // namespace

LocalRunner::LocalRunner(QString records_dir, QObject* parent)
    : QObject(parent), records_dir_(records_dir.isEmpty() ? defaultRecordsDir() : std::move(records_dir)) {
    timer_.setInterval(kPollMs);
    connect(&timer_, &QTimer::timeout, this, &LocalRunner::poll);
    loadNewest();
}

LocalRunner::~LocalRunner() = default;

QString LocalRunner::defaultRecordsDir() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/sluice/local-runs");
}

QString LocalRunner::findEngine() {
    const QString name = QStringLiteral("sluice-engine");
    if (const QString env = qEnvironmentVariable("SLUICE_ENGINE"); !env.isEmpty())
        if (QString e = executable(env); !e.isEmpty()) return e;
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {here + u'/' + name, here + QStringLiteral("/../engine/") + name})
        if (QString e = executable(candidate); !e.isEmpty()) return e;
    return QStandardPaths::findExecutable(name);
}

// Distinct (package, core) pairs among the CPUs this process may use: hyper-threads share an FPU and
// gain nothing for FFTs, and a container's CPU set is smaller than the machine.
int LocalRunner::physicalCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return std::max(1, QThread::idealThreadCount());
    std::set<std::pair<QString, QString>> cores;
    int cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &set)) continue;
        ++cpus;
        const QString topo = QStringLiteral("/sys/devices/system/cpu/cpu%1/topology/").arg(cpu);
        const QString core = readText(topo + QStringLiteral("core_id")).trimmed();
        if (core.isEmpty()) return std::max(1, cpus);
        cores.emplace(readText(topo + QStringLiteral("physical_package_id")).trimmed(), core);
    }
    return std::max<int>(1, static_cast<int>(cores.size()));
}

Status LocalRunner::start(const QString& source, const QString& dataset, const QString& recipe_json) {
    if (run_ && run_->active() && alive(*run_))
        return fail(ErrorKind::refused, "A run is still going; cancel it or wait for it to finish first.");
    const QString engine = findEngine();
    if (engine.isEmpty())
        return fail(ErrorKind::bad_input, "Sluice cannot find sluice-engine: install it next to sluice or on "
                                          "the PATH, or set SLUICE_ENGINE to its path.");
    if (!QDir().mkpath(records_dir_))
        return fail(ErrorKind::io, "Cannot create " + records_dir_.toStdString() + " for the run record.");

    const QFileInfo src(source);
    LocalRun r;
    for (int n = 0; n < 1000; ++n) {
        const QString base = src.absolutePath() + u'/' + src.completeBaseName() +
                             QStringLiteral("-filtered-%1").arg(n, 3, 10, QLatin1Char('0'));
        if (QFileInfo::exists(base + QStringLiteral(".h5")) || QFileInfo::exists(base + ".recipe.json"))
            continue;
        r.output = base + QStringLiteral(".h5");
        r.recipe = base + QStringLiteral(".recipe.json");
        break;
    }
    if (r.output.isEmpty())
        return fail(ErrorKind::refused, "There are already 1000 filtered results next to the source file.");
    if (auto ok = write_file_atomically(r.recipe.toStdString(), recipe_json.toStdString()); !ok)
        return std::unexpected(ok.error().context("writing the recipe next to the result"));

    r.id = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    r.source = src.absoluteFilePath();
    r.dataset = dataset;
    r.progress = records_dir_ + u'/' + r.id + QStringLiteral(".progress.json");
    r.log = records_dir_ + u'/' + r.id + QStringLiteral(".log");
    QStringList args{QStringLiteral("filter"),
                     QStringLiteral("--input"),
                     r.source,
                     QStringLiteral("--dataset"),
                     dataset,
                     QStringLiteral("--recipe"),
                     r.recipe,
                     QStringLiteral("--output"),
                     r.output,
                     QStringLiteral("--progress"),
                     r.progress};
    if (const QString mpirun = QStandardPaths::findExecutable(QStringLiteral("mpirun"));
        !mpirun.isEmpty() && mpirun_usable()) {
        r.program = mpirun;
        r.arguments = QStringList{QStringLiteral("-np"), QString::number(physicalCores()), engine} + args;
    } else {
        r.program = engine;
        r.arguments = args;
    }
    run_ = std::move(r);
    return launch();
}

Status LocalRunner::launch() {
    auto& r = *run_;
    QFile::remove(r.progress); // a previous attempt's "stopped" must not be read as this one's
    QFile::remove(r.log);
    QProcess p;
    p.setProgram(r.program);
    p.setArguments(r.arguments);
    p.setWorkingDirectory(QFileInfo(r.source).absolutePath());
    p.setStandardInputFile(QProcess::nullDevice());
    p.setStandardOutputFile(r.log, QIODevice::Append);
    p.setStandardErrorFile(r.log, QIODevice::Append);
    qint64 pid = 0;
    if (!p.startDetached(&pid)) {
        r.state = State::failed;
        r.message = QStringLiteral("Could not start %1: %2").arg(r.program, p.errorString());
        save();
        emit changed();
        return fail(ErrorKind::io, r.message.toStdString());
    }
    r.pid = pid;
    r.start_ticks = start_ticks(pid);
    r.state = State::starting;
    r.stop_requested = false;
    r.message.clear();
    r.rows_done = 0;
    r.eta_s = -1;
    r.rows_per_s = 0;
    save();
    timer_.start();
    emit changed();
    return {};
}

Status LocalRunner::cancel() {
    if (!run_ || !run_->active() || !alive(*run_)) return fail(ErrorKind::refused, "No run is going.");
    if (::kill(static_cast<pid_t>(run_->pid), SIGUSR1) != 0)
        return fail(ErrorKind::io,
                    "Could not signal the engine (process " + std::to_string(run_->pid) + ").");
    run_->stop_requested = true;
    run_->state = State::stopping;
    save();
    emit changed();
    return {};
}

Status LocalRunner::resume() {
    if (!run_ || !run_->resumable()) return fail(ErrorKind::refused, "There is no stopped run to resume.");
    if (alive(*run_)) return fail(ErrorKind::refused, "The run is still stopping; try again in a moment.");
    return launch();
}

void LocalRunner::poll() {
    if (!run_) return;
    auto& r = *run_;
    const bool running = alive(r);
    const QJsonObject p = QJsonDocument::fromJson(readText(r.progress).toUtf8()).object();
    std::optional<State> reported;
    if (!p.isEmpty()) {
        reported = state_from(p.value(QStringLiteral("state")).toString());
        r.rows_done = p.value(QStringLiteral("rows_done")).toInteger();
        r.rows_total = p.value(QStringLiteral("rows_total")).toInteger();
        r.rows_per_s = p.value(QStringLiteral("rows_per_s")).toDouble();
        r.eta_s = p.value(QStringLiteral("eta_s")).toDouble(-1);
    }
    const State before = r.state;
    if (running) {
        // Final states are provisional while the process (or mpirun) winds down.
        if (reported == State::stopped)
            r.state = State::stopping;
        else if (reported == State::done || reported == State::failed)
            r.state = State::running;
        else if (reported)
            r.state = *reported;
        if (r.stop_requested && (r.state == State::running || r.state == State::starting))
            r.state = State::stopping;
    } else {
        timer_.stop();
        if (reported == State::done)
            r.state = State::done;
        else if (reported == State::stopped || (r.stop_requested && reported != State::failed))
            r.state = State::stopped;
        else if (reported == State::failed || !reported) {
            r.state = State::failed;
            const QString why = failure_reason(readText(r.log));
            r.message = (why.isEmpty() ? QStringLiteral("The engine ended without saying why.") : why) +
                        QStringLiteral(" (details in %1)").arg(r.log);
        } else
            r.state = State::stopped_unexpectedly;
    }
    if (r.state != before) save();
    emit changed();
    if (r.state == State::done && before != State::done) emit finished(r.output);
}

Status LocalRunner::merge() {
    if (!run_ || run_->state != State::done)
        return fail(ErrorKind::refused, "There is no finished run to merge.");
    return mergeFile(run_->output, run_->source);
}

Status LocalRunner::mergeFile(const QString& result, const QString& source) {
    if (merge_) return fail(ErrorKind::refused, "A merge is already under way.");
    const QString engine = findEngine();
    if (engine.isEmpty()) return fail(ErrorKind::bad_input, "Sluice cannot find sluice-engine.");
    merge_ = new QProcess(this);
    const QString src = QFileInfo(source).fileName();
    connect(merge_, &QProcess::finished, this, [this, src](int code, QProcess::ExitStatus status) {
        const QString out = QString::fromUtf8(merge_->readAllStandardOutput()).trimmed();
        const QString err = failure_reason(QString::fromUtf8(merge_->readAllStandardError()));
        merge_->deleteLater();
        merge_ = nullptr;
        if (status == QProcess::NormalExit && code == 0) {
            const QString group = out.section(QStringLiteral(" as "), -1);
            emit mergeFinished(true, tr("Merged: %1 now holds %2.").arg(src, group));
        } else if (status == QProcess::NormalExit && code == 2) {
            emit mergeFinished(false, tr("The merge was refused and %1 is unchanged: %2").arg(src, err));
        } else {
            emit mergeFinished(false, tr("The merge failed; %1 is unchanged. %2").arg(src, err));
        }
    });
    connect(merge_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return;
        const QString why = merge_->errorString();
        merge_->deleteLater();
        merge_ = nullptr;
        emit mergeFinished(false, tr("Could not start sluice-engine: %1").arg(why));
    });
    merge_->start(engine, {QStringLiteral("merge"), QStringLiteral("--result"), result,
                           QStringLiteral("--into"), source});
    emit changed(); // the panel disables Merge while this runs
    return {};
}

QString LocalRunner::describe(const LocalRun& r) {
    const QLocale l;
    const QString rows = r.rows_total > 0
                             ? tr("%1 of %2 rows").arg(l.toString(r.rows_done), l.toString(r.rows_total))
                             : QString();
    switch (r.state) {
    case State::starting:
        return tr("Starting…");
    case State::running: {
        QString s = tr("Running: %1").arg(rows);
        if (r.rows_per_s > 0) s += tr(", %1 rows/s").arg(l.toString(r.rows_per_s, 'f', 0));
        if (r.eta_s >= 0) s += tr(", about %1 s left").arg(l.toString(r.eta_s, 'f', 0));
        return s;
    }
    case State::stopping:
        return tr("Stopping after the current block…");
    case State::stopped:
        return tr("Stopped — resumable (%1 done)").arg(rows);
    case State::stopped_unexpectedly:
        return tr("Stopped unexpectedly — resumable (%1 done)").arg(rows);
    case State::done:
        return tr("Done: %1 filtered into %2").arg(rows, QFileInfo(r.output).fileName());
    case State::failed:
        return tr("Failed: %1").arg(r.message);
    }
    return {};
}

void LocalRunner::save() const {
    if (!run_) return;
    const auto& r = *run_;
    const QJsonObject o{
        {QStringLiteral("id"), r.id},
        {QStringLiteral("source"), r.source},
        {QStringLiteral("dataset"), r.dataset},
        {QStringLiteral("output"), r.output},
        {QStringLiteral("recipe"), r.recipe},
        {QStringLiteral("progress"), r.progress},
        {QStringLiteral("log"), r.log},
        {QStringLiteral("program"), r.program},
        {QStringLiteral("arguments"), QJsonArray::fromStringList(r.arguments)},
        {QStringLiteral("pid"), r.pid},
        {QStringLiteral("start_ticks"), r.start_ticks},
        {QStringLiteral("stop_requested"), r.stop_requested},
        {QStringLiteral("state"), state_name(r.state)},
        {QStringLiteral("message"), r.message},
    };
    // Best effort: losing the record only loses the pick-up after a restart, not the run.
    (void)write_file_atomically((records_dir_ + u'/' + r.id + QStringLiteral(".json")).toStdString(),
                                QJsonDocument(o).toJson().toStdString());
}

void LocalRunner::loadNewest() {
    const QStringList names =
        QDir(records_dir_).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name | QDir::Reversed);
    for (const QString& name : names) {
        if (name.endsWith(QStringLiteral(".progress.json"))) continue;
        const QJsonObject o = QJsonDocument::fromJson(readText(records_dir_ + u'/' + name).toUtf8()).object();
        const auto state = state_from(o.value(QStringLiteral("state")).toString());
        if (!state) continue;
        LocalRun r;
        r.id = o.value(QStringLiteral("id")).toString();
        r.source = o.value(QStringLiteral("source")).toString();
        r.dataset = o.value(QStringLiteral("dataset")).toString();
        r.output = o.value(QStringLiteral("output")).toString();
        r.recipe = o.value(QStringLiteral("recipe")).toString();
        r.progress = o.value(QStringLiteral("progress")).toString();
        r.log = o.value(QStringLiteral("log")).toString();
        r.program = o.value(QStringLiteral("program")).toString();
        for (const auto& a : o.value(QStringLiteral("arguments")).toArray())
            r.arguments << a.toString();
        r.pid = o.value(QStringLiteral("pid")).toInteger();
        r.start_ticks = o.value(QStringLiteral("start_ticks")).toInteger();
        r.stop_requested = o.value(QStringLiteral("stop_requested")).toBool();
        r.state = *state;
        r.message = o.value(QStringLiteral("message")).toString();
        run_ = std::move(r);
        // A run that was going when the app closed: read where it got to, and keep following it.
        if (run_->active()) {
            poll();
            if (alive(*run_)) timer_.start();
        }
        return;
    }
}

} // namespace sluice::gui
