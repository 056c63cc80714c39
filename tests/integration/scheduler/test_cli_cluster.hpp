#pragma once
// sluice-cli end to end against the test cluster (SLUICE_SCHEDULER: slurm or pbs), one Qt Test class in
// two files: test_cli_cluster.cpp (profiles, submit, watch, fetch, scratch, jobs that left the queue,
// scaling) and test_cli_cluster_stops.cpp (stops, cancels, resubmissions). The slots run in the order
// declared here, and later ones use what earlier ones made (the profile "loop", small.h5, large.h5).
#include "cluster_login.hpp"
#include "jobs/profile.hpp"

#include <QJsonObject>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

class TestCliCluster : public QObject {
    Q_OBJECT

    static inline const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
    static inline const sluice::jobs::Scheduler kScheduler =
        sluice::jobs::scheduler_from_string(SLUICE_SCHEDULER).value();
    static inline const bool kSlurm = kScheduler == sluice::jobs::Scheduler::slurm;
    // The commands the client runs on the cluster, as scheduler-calls.log names them.
    static inline const std::string kSubmit = kSlurm ? "sbatch" : "qsub";
    static inline const std::string kPoll = kSlurm ? "squeue" : "qstat";

    sluice::test::TempDir dir_;
    sluice::test::ClusterLogin login_;
    std::filesystem::path user_home_;
    QProcessEnvironment env_;
    QStringList scheduler_ids_;

    sluice::test::CliRun cli(const QStringList& args, int timeout_ms = 120000) {
        return sluice::test::run_cli(SLUICE_CLI, env_, args, timeout_ms);
    }
    QJsonObject job(const QString& id);
    QString submit(const std::filesystem::path& source, const QStringList& extra = {});
    std::filesystem::path job_dir(const QString& id) const {
        return user_home_ / "scratch/sluice/jobs" / id.toStdString();
    }
    std::vector<std::string> scheduler_calls() const { return login_.scheduler_calls(); }
    void reference(const std::filesystem::path& source, const std::filesystem::path& out);
    // A job interrupted by `interrupt(scheduler id)` once the engine has written rows must be stopped
    // (watch prints `said`), resubmitted, and completed with the local result. Should the job finish
    // before the interruption lands (a fast machine), the next attempt filters twice the rows.
    void interrupt_mid_run_and_resume(const QString& said,
                                      const std::function<QString(const QString&)>& interrupt);
    // The job's state letter in PBS (qstat -x, history included); empty when the server does not know it.
    QString pbs_state(const QString& sid) const;
    bool set_pbs_history(bool on) const;
    static QJsonObject read_json(const std::filesystem::path& p);
    bool set_node_available(bool available) const { return login_.set_node_available(available); }

private slots:
    void initTestCase();
    void cleanupTestCase();
    void profileAddAndTest();
    void dryRunPrintsTheScriptAndSubmitsNothing();
    void submitWatchFetch();
    void fetchNeverOverwritesAFileThatAppeared();
    void inputPurgedBeforeTheJobStartsIsUploadedAgain();
    void jobThatLeftTheQueue();
    void pbsJobWithoutHistory();
    void cancelIsRecordedAndNotResubmitted();
    void interruptedSubmitLeavesAResumableUpload();
    void restartedClientTakesOver();
    void usr1StopIsResubmittedAndCompletes();
    void pbsWalltimeExceededIsResubmittedAndCompletes();
    void scalingStudyIsOneJob();
};
