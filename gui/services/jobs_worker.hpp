#pragma once
// The worker behind JobsService: it lives on JobsService's thread, and every libssh and SQLite call of
// the app's jobs runs here. Its slots are invoked queued from the UI thread; it answers with signals.
#include "jobs/cluster_client.hpp"
#include "jobs/job_host.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "jobs/job_supervisor.hpp"
#include "remote/session_options.hpp"
#include "services/jobs_service.hpp"

#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

namespace sluice::gui {

class JobsWorker : public QObject {
    Q_OBJECT
public:
    JobsWorker(JobsService::Files files, remote::SessionCallbacks callbacks, std::stop_token closing);

    void start();
    void stop();

    void submit(const jobs::ClusterProfile& profile, jobs::JobRecord job);
    void cancel(const QString& id);
    void resume(const QString& id);
    void fetch(const QString& id);
    void remove(const QString& id, bool delete_files);
    void markMerged(const QString& id, const QString& where);
    /// The user chose to log in to the profile's cluster after "Log In Later": ask again, now.
    void logIn(const QString& profile);
    /// A done job's files on its cluster: listed (remove = false) or removed.
    void scratch(const QString& id, bool remove);
    void readEvents(const QString& id);
    /// A job the user looks at: while it is on a cluster's queue, its cluster is polled every few
    /// seconds instead of backing off to a minute.
    void setWatched(const QString& id);
    void checkNow();
    void readLog(const QString& id);
    /// profile test's checks of `profile` (JobsService::testProfile); `cancel` ends them.
    void testProfile(quint64 test, const jobs::ClusterProfile& profile, std::stop_source cancel);
    /// engine deploy's build for `profile` (JobsService::deployEngine), recorded in profiles.json.
    void deployEngine(quint64 deploy, const jobs::ClusterProfile& profile, std::stop_source cancel);

signals:
    void log(const QString& id, const QString& text);
    void eventsRead(const QString& id, std::vector<sluice::jobs::JobEvent> events);
    void scratchListed(const QString& id, const QString& text, bool removable);
    void snapshot(std::vector<sluice::jobs::JobRecord> all);
    void transfer(const QString& id, const QString& what, quint64 done, quint64 total);
    void problems(std::map<QString, QString> set, QStringList cleared, QStringList needs_login);
    void failed(const QString& id, const QString& message);
    void profileActionLine(quint64 action, int level, const QString& text);
    void profileTestDone(quint64 test, int engine, const QString& engine_version, const QString& failure,
                         bool cancelled);
    void engineDeployed(quint64 deploy, const QString& engine, bool built, const QString& failure,
                        bool cancelled);

private:
    /// A job and the host it runs on, logged in (or about to be) for a stated purpose.
    struct JobOnHost {
        jobs::JobRecord job;
        jobs::JobHost* host = nullptr;
    };

    Result<std::unique_ptr<jobs::JobHost>> host(const std::string& profile);
    /// A login of its own for a profile test or deploy (shared with the jobs of the same host), asked for
    /// now even after "Log In Later", since the user asked for it.
    std::unique_ptr<jobs::ClusterClient> clientFor(const jobs::ClusterProfile& profile,
                                                   const QString& purpose);
    /// The profile's host, whose login questions say `purpose` ("to cancel job 12").
    Result<jobs::JobHost*> hostOf(const std::string& profile, const QString& purpose);
    /// Job `id` and its host; `purpose` is a text whose %1 is the job's id.
    Result<JobOnHost> hostFor(const QString& id, const QString& purpose);
    Status delete_job_files(const jobs::JobRecord& job);
    template <class Action>
    void on_job(const QString& id, const QString& purpose, Action action);
    std::optional<jobs::JobRecord> find_quietly(const std::string& id);
    Result<jobs::JobRecord> find(const QString& id);
    template <class F>
    bool guarded(const QString& id, F&& work);
    void tick();
    void tick_now();
    void publish();

    JobsService::Files files_;
    remote::SessionCallbacks callbacks_;
    std::stop_token closing_;
    jobs::RunnerOptions options_;
    QTimer* timer_ = new QTimer(this);
    std::optional<jobs::JobStore> store_;
    jobs::SessionPool pool_; ///< before supervisor_: its clients hold slots of it
    std::unique_ptr<jobs::JobSupervisor> supervisor_;
    QString current_;
    std::chrono::steady_clock::time_point last_progress_{};
    std::string watched_;
    std::set<std::string> failing_; ///< profiles whose last round failed: not hurried
    static constexpr std::chrono::seconds kWatchedPoll{5};
};

} // namespace sluice::gui
