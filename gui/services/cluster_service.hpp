#pragma once
// Cluster jobs in the desktop app: the JobSupervisor of `sluice-cli watch` (shared/jobs) on a worker
// thread of its own, since a libssh Session belongs to one thread and logins, uploads and polls must
// never block the window. The UI gets snapshots of the JobStore (shared with sluice-cli: whichever
// client holds the lease polls, the other shows what it records). Login questions (host key,
// passphrase, 2FA, password) are asked on the UI thread through the Prompter while the worker waits.
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "remote/session_options.hpp"

#include <QObject>
#include <QString>
#include <QThread>
#include <functional>
#include <stop_token>
#include <vector>

namespace sluice::gui {

class ClusterWorker;

class ClusterService : public QObject {
    Q_OBJECT
public:
    struct Files {
        QString store;    ///< empty: $XDG_DATA_HOME/sluice/jobs.sqlite
        QString profiles; ///< empty: $XDG_CONFIG_HOME/sluice/profiles.json
    };
    explicit ClusterService(Files files = {}, QObject* parent = nullptr);
    ~ClusterService() override; ///< stops polling and gives the lease up; jobs go on on their clusters

    /// Called on the UI thread for every login question; the default answers nothing (refuses).
    void setPrompter(remote::SessionCallbacks prompter);

    [[nodiscard]] const std::vector<jobs::JobRecord>& jobs() const { return jobs_; }
    [[nodiscard]] Result<std::vector<jobs::ClusterProfile>> profiles() const;
    [[nodiscard]] const Files& files() const { return files_; }

    /// Record the planned job and submit it (upload, job directory, sbatch/qsub) on the worker.
    void submit(jobs::ClusterProfile profile, jobs::JobRecord planned);
    void cancel(const QString& id);
    void fetch(const QString& id);

signals:
    void jobsChanged();
    /// "upload" or "download" of job `id`.
    void transferProgress(const QString& id, const QString& what, quint64 done, quint64 total);
    void problem(const QString& message);
    /// A job reached done, failed or cancelled while the app watched.
    void jobEnded(const QString& id, const QString& state, const QString& message);

private:
    void take(std::vector<jobs::JobRecord> all);

    Files files_;
    QThread thread_;
    ClusterWorker* worker_ = nullptr;
    std::vector<jobs::JobRecord> jobs_;
    remote::SessionCallbacks prompter_;
    std::stop_source closing_;
};

} // namespace sluice::gui
