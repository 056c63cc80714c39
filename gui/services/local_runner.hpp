#pragma once
// "Run on This computer": starts sluice-engine (under mpirun when it can) as a detached process, so that
// closing the app never kills a run, and follows it through the engine's progress file. A detached
// process cannot be waited for, so the outcome comes from the progress file plus whether the process is
// still alive. Each run is recorded as JSON in <data dir>/sluice/local-runs/ so that a restarted app
// picks the newest run up again. The runner never touches HDF5 itself.
#include "util/error.hpp"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <optional>

class QProcess;

namespace sluice::gui {

struct LocalRun {
    enum class State { starting, running, stopping, stopped, stopped_unexpectedly, done, failed };

    QString id;
    QString source;   ///< the file being filtered (only read)
    QString dataset;  ///< the Main dataset's path inside it
    QString output;   ///< the standalone result file
    QString recipe;   ///< the recipe file, next to the result
    QString progress; ///< the engine's --progress file
    QString log;      ///< the engine's stdout and stderr
    QString program;  ///< mpirun or the engine
    QStringList arguments;
    qint64 pid = 0;
    qint64 start_ticks = 0; ///< the process's start time, so a reused pid is not mistaken for the run
    bool stop_requested = false;
    State state = State::starting;
    qint64 rows_done = 0;
    qint64 rows_total = 0;
    double rows_per_s = 0;
    double eta_s = -1;
    QString message; ///< why it failed

    [[nodiscard]] bool active() const {
        return state == State::starting || state == State::running || state == State::stopping;
    }
    [[nodiscard]] bool resumable() const {
        return state == State::stopped || state == State::stopped_unexpectedly;
    }
};

class LocalRunner : public QObject {
    Q_OBJECT
public:
    /// Picks up the newest run recorded in `records_dir` (default: defaultRecordsDir()).
    explicit LocalRunner(QString records_dir = {}, QObject* parent = nullptr);
    ~LocalRunner() override; ///< leaves the run going

    /// $SLUICE_ENGINE, else next to this executable, else the build tree's engine/, else PATH; empty if none.
    [[nodiscard]] static QString findEngine();
    [[nodiscard]] static int physicalCores();
    [[nodiscard]] static QString defaultRecordsDir();

    /// Write the recipe next to a new result file and start the engine on `dataset` of `source`.
    Status start(const QString& source, const QString& dataset, const QString& recipe_json);
    /// Ask the run to stop after its current block (SIGUSR1; mpirun forwards it to every rank).
    Status cancel();
    /// Start the same command again; the engine continues from the result's checkpoint.
    Status resume();
    /// `sluice-engine merge --result OUT --into SRC` in the background; mergeFinished reports the outcome.
    Status merge();
    /// The same for any standalone result and its source (e.g. a job's result downloaded from a cluster).
    Status mergeFile(const QString& result, const QString& source);
    [[nodiscard]] bool merging() const { return merge_ != nullptr; }

    [[nodiscard]] const std::optional<LocalRun>& run() const { return run_; }
    /// One line for the Run panel, e.g. "Running: 1,200 of 3,000 rows, 450 rows/s, about 4 s left".
    [[nodiscard]] static QString describe(const LocalRun& run);

signals:
    void changed();
    void finished(const QString& output); ///< the run is done and its result complete
    void mergeFinished(bool ok, const QString& message);

private:
    void poll();
    Status launch();
    void save() const;
    void loadNewest();

    QString records_dir_;
    std::optional<LocalRun> run_;
    QTimer timer_;
    QProcess* merge_ = nullptr;
};

} // namespace sluice::gui
