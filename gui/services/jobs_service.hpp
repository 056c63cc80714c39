#pragma once
// Every job of every profile in the desktop app, this computer's included: the JobSupervisor of
// `sluice-cli watch` (shared/jobs) on a worker thread of its own, since a libssh Session belongs to one
// thread and logins, uploads and polls must never block the window. The UI gets snapshots of the
// JobStore (shared with sluice-cli: whichever client holds the lease polls, the other shows what it
// records). Login questions (host key, passphrase, 2FA, password) are asked on the UI thread through
// the Prompter while the worker waits. Runs on this computer are jobs like any other (profile "local");
// their progress is read every half second so that the view follows them closely.
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "jobs/scaling.hpp"
#include "remote/session_options.hpp"

#include <QFuture>
#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <stop_token>
#include <vector>

namespace sluice::gui {

class JobsWorker;

/// What the engine last said about a running job on this computer.
struct LiveProgress {
    std::string state; ///< the engine's: starting, running, stopped, done, failed
    std::int64_t rows_done = 0;
    double rows_per_s = 0;
    double eta_s = -1; ///< negative: unknown
};

class JobsService : public QObject {
    Q_OBJECT
public:
    struct Files {
        QString store;      ///< empty: $XDG_DATA_HOME/sluice/jobs.sqlite
        QString profiles;   ///< empty: $XDG_CONFIG_HOME/sluice/profiles.json
        QString local_runs; ///< empty: $XDG_DATA_HOME/sluice/local-runs (imported once)
    };
    explicit JobsService(Files files = {}, QObject* parent = nullptr);
    ~JobsService() override; ///< stops polling and gives the lease up; jobs go on where they run

    /// Called on the UI thread for every login question; the default answers nothing (refuses). A password
    /// remembered in the keychain (docs/DESIGN.md §8) is tried first, without asking.
    void setPrompter(remote::SessionCallbacks prompter);
    /// Called by the password question before it returns its answer: remember the answer in the keychain
    /// once the server accepts it.
    void rememberAnswer(bool remember);

    /// Oldest first, as last recorded.
    [[nodiscard]] const std::vector<jobs::JobRecord>& jobs() const { return jobs_; }
    [[nodiscard]] std::optional<jobs::JobRecord> job(const QString& id) const;
    /// The engine's own progress of a running local job (fresher than the record), if known.
    [[nodiscard]] std::optional<LiveProgress> live(const QString& id) const;
    /// This computer first, then profiles.json's clusters.
    [[nodiscard]] Result<std::vector<jobs::ClusterProfile>> profiles() const;
    [[nodiscard]] const Files& files() const { return files_; }
    /// Why the last round with a profile failed and when it is tried again; empty while it works.
    [[nodiscard]] QString problemOf(const QString& profile) const;

    /// Record the planned job and start it: upload and submit on a cluster, start here.
    void submit(jobs::ClusterProfile profile, jobs::JobRecord planned);
    void cancel(const QString& id);
    /// Run a stopped, failed or cancelled job again from its checkpoint.
    void resume(const QString& id);
    void fetch(const QString& id);
    /// Forget an ended job; with `delete_files` also its result and job directory (on its cluster too).
    void remove(const QString& id, bool delete_files);
    /// The result was merged into its source: "<source> as <group>".
    void markMerged(const QString& id, const QString& where);
    /// A done cluster job's files in scratch, with sizes: scratchListed answers.
    void listScratch(const QString& id);
    /// Remove them (an input stays while another job needs it); scratchListed then says what is left.
    void removeScratch(const QString& id);
    /// The job's state history, oldest first: eventsReady answers.
    void readEvents(const QString& id);
    /// The job the user looks at (empty: none): while it waits or runs on a cluster, that cluster is
    /// polled every 5 s instead of backing off.
    void setWatched(const QString& id);
    /// Log in to the profile's cluster now (after the user chose "Log In Later" in a login question).
    void logIn(const QString& profile);
    /// A login question of the profile's cluster was cancelled: its jobs wait for logIn().
    [[nodiscard]] bool needsLogin(const QString& profile) const;
    /// A login question is waiting for the user's answer. Closing the app meanwhile answers it with
    /// "Log In Later" instead of waiting.
    [[nodiscard]] bool askingUser() const { return asking_.load() > 0; }
    [[nodiscard]] QStringList needingLogin() const;
    /// Poll every profile with active jobs now.
    void checkNow();
    /// The job's output (job.log here; the scheduler's output files on a cluster): logReady answers.
    void readLog(const QString& id);
    /// The last failed action on the job, until its record changes again.
    [[nodiscard]] QString failureOf(const QString& id) const;

    /// What the newest fitting scaling study suggests for a filter job of `rows` × `points` on `profile`
    /// (jobs::suggest_resources, as `sluice-cli submit` notes it). Read on a pool thread with a store
    /// connection of its own: the worker may be in a long upload, and the store takes readers beside it as
    /// it takes sluice-cli's.
    [[nodiscard]] QFuture<Result<std::optional<jobs::ResourceSuggestion>>>
    suggestResources(jobs::ClusterProfile profile, std::int64_t rows, std::int64_t points,
                     std::string recipe_sha256) const;
    /// Finished study `id`'s table as the store keeps it (jobs::stored_study_table, what
    /// `sluice-cli status ID` prints), read likewise; empty when the store keeps none for it.
    [[nodiscard]] QFuture<Result<std::optional<jobs::ScalingTable>>> studyTable(const QString& id) const;

    /// `sluice-cli profile test`'s checks (jobs/profile_check.hpp) of `profile` as given (saved or not),
    /// on the worker thread with the app's logins and login questions: profileTestLine for each check,
    /// then profileTestDone. Returns the test's id for the signals and cancelProfileTest.
    quint64 testProfile(jobs::ClusterProfile profile);
    /// `sluice-cli engine deploy`'s build (jobs/engine_deploy.hpp) for the saved profile `profile`, on the
    /// worker thread: profileActionLine for each step, then engineDeployed (the path is then recorded in
    /// the profile). The test job after it is ProfileActions::sendTestJob's. Returns the deploy's id.
    quint64 deployEngine(jobs::ClusterProfile profile);
    /// Ends the test or deploy: between steps, or its running script or upload at once. A login in
    /// progress ends when its question is answered or it times out; the done signal then says "cancelled".
    void cancelProfileAction(quint64 action);

signals:
    void jobsChanged();
    /// "upload" or "download" of job `id`.
    void transferProgress(const QString& id, const QString& what, quint64 done, quint64 total);
    void problemsChanged();
    /// An action on job `id` (or the store itself, with an empty id) failed.
    void actionFailed(const QString& id, const QString& message);
    void logReady(const QString& id, const QString& text);
    void eventsReady(const QString& id, const std::vector<sluice::jobs::JobEvent>& events);
    /// What job `id` has on its cluster ("2.5 MiB in 2 items"), and whether any of it can be removed.
    void scratchListed(const QString& id, const QString& text, bool removable);
    /// A job reached done, failed, stopped or cancelled while the app watched.
    void jobEnded(const QString& id, const QString& state, const QString& message);
    /// A password was saved in the keychain or removed from it (refused by the server), or that failed.
    void keychainNote(const QString& text);
    /// One passed check or step of test or deploy `action`; `level` is a jobs::CheckLine::Level.
    void profileActionLine(quint64 action, int level, const QString& text);
    /// Test `test` ended: `engine` is a jobs::EngineFinding; `failure` is empty when every check passed.
    void profileTestDone(quint64 test, int engine, const QString& engine_version, const QString& failure,
                         bool cancelled);
    /// Deploy `deploy` ended: `engine` is the installed engine's path, recorded in the profile, when it
    /// worked; otherwise `failure` says why.
    void engineDeployed(quint64 deploy, const QString& engine, bool built, const QString& failure,
                        bool cancelled);

private:
    void take(std::vector<jobs::JobRecord> all);
    void takeProblems(std::map<QString, QString> set, QStringList cleared, QStringList needs_login);
    void readLiveProgress();
    /// Starts one of the worker's profile actions (test, deploy) with its own id and stop source.
    quint64 startProfileAction(void (JobsWorker::*action)(quint64, const jobs::ClusterProfile&,
                                                          std::stop_source),
                               jobs::ClusterProfile profile);

    Files files_;
    QThread thread_;
    JobsWorker* worker_ = nullptr;
    std::vector<jobs::JobRecord> jobs_;
    std::map<QString, LiveProgress> live_;
    std::map<QString, QString> problems_;
    std::set<QString> needs_login_;
    std::map<QString, QString> failures_; ///< job id → why the last action on it failed
    remote::SessionCallbacks prompter_;
    std::stop_source closing_;
    std::atomic<int> asking_{0};               ///< worker calls waiting in on_ui
    std::atomic<bool> remember_answer_{false}; ///< the last password answer is to be remembered
    quint64 last_action_ = 0;
    std::map<quint64, std::stop_source> actions_; ///< profile tests and deploys running, by id
    QTimer live_timer_;
};

} // namespace sluice::gui
