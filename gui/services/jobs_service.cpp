#include "services/jobs_service.hpp"

#include "jobs/cluster_client.hpp"
#include "jobs/job_supervisor.hpp"
#include "jobs/local_host.hpp"
#include "jobs/local_import.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/scratch.hpp"
#include "jobs/status_file.hpp"
#include "qstring_from.hpp"

#include <QFile>
#include <QMetaObject>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

namespace sluice::gui {
/// Lives on JobsService's thread: every libssh and SQLite call of the app's jobs runs here.
class JobsWorker : public QObject {
    Q_OBJECT
public:
    JobsWorker(JobsService::Files files, remote::SessionCallbacks callbacks, std::stop_token closing)
        : files_(std::move(files)), callbacks_(std::move(callbacks)), closing_(std::move(closing)) {
        // A child, so that moveToThread takes it along: timers belong to their thread.
        timer_->setSingleShot(true);
        connect(timer_, &QTimer::timeout, this, &JobsWorker::tick);
    }

    void start() {
        auto store = jobs::JobStore::open(files_.store.toStdString());
        if (!store) return emit failed({}, q(store.error().message));
        store_.emplace(std::move(*store));
        // Runs of earlier versions, kept outside the store: imported once.
        if (auto dir = files_.local_runs.isEmpty()
                           ? jobs::default_local_runs_dir()
                           : Result<std::filesystem::path>(files_.local_runs.toStdString()))
            if (auto imported = jobs::import_local_runs(*store_, *dir); !imported)
                emit failed({}, q(imported.error().message));
        jobs::RunnerOptions& options = options_;
        // Closing the app stops an upload or download between chunks; its .part resumes next time.
        options.cancel = closing_;
        options.transfer_progress = [this](std::string_view what, std::uint64_t done, std::uint64_t total) {
            // At most ten updates a second reach the UI, and always the last one.
            const auto now = std::chrono::steady_clock::now();
            if (done != total && now - last_progress_ < std::chrono::milliseconds(100)) return;
            last_progress_ = now;
            emit transfer(current_, QString::fromUtf8(what.data(), static_cast<qsizetype>(what.size())), done,
                          total);
        };
        options.on_change = [this](const jobs::JobRecord& j) {
            current_ = q(j.id);
            publish();
        };
        supervisor_ = std::make_unique<jobs::JobSupervisor>(
            *store_, [this](const std::string& profile) { return host(profile); }, options_);
        publish(); // the jobs are shown before any login question they may lead to
        tick();
    }

    void stop() {
        timer_->stop();
        if (supervisor_) supervisor_->release();
    }

    void submit(const jobs::ClusterProfile& profile, jobs::JobRecord job) {
        guarded(q(job.id), [&] {
            if (auto st = store_->insert(job); !st) return emit failed(q(job.id), q(st.error().message));
            publish();
            current_ = q(job.id);
            auto h = supervisor_->client(profile.name);
            if (h) (*h)->set_purpose(tr("to submit job %1").arg(q(job.id)).toStdString());
            // On failure the record stays draft/uploading with the reason: the next pass tries again.
            Status st =
                h ? jobs::stage_and_submit(*store_, **h, job, options_) : Status(std::unexpected(h.error()));
            if (!st) emit failed(q(job.id), q(st.error().message));
            supervisor_->nudge(profile.name);
            publish();
        });
    }

    void cancel(const QString& id) { on_job(id, tr("to cancel job %1"), jobs::cancel_job); }
    void resume(const QString& id) { on_job(id, tr("to resubmit job %1"), jobs::resubmit_job); }
    void fetch(const QString& id) { on_job(id, tr("to download the result of job %1"), jobs::fetch_result); }

    void remove(const QString& id, bool delete_files) {
        guarded(id, [&] {
            auto job = find(id);
            if (!job) return;
            if (jobs::needs_attention(job->state) && job->state != jobs::JobState::draft &&
                job->state != jobs::JobState::stopped)
                return emit failed(id, tr("Job %1 is %2: cancel it before removing it.")
                                           .arg(id, q(std::string(to_string(job->state)))));
            if (delete_files)
                if (auto st = delete_job_files(*job); !st) return emit failed(id, q(st.error().message));
            if (auto st = store_->remove(job->id); !st) return emit failed(id, q(st.error().message));
            publish();
        });
    }

    void markMerged(const QString& id, const QString& where) {
        guarded(id, [&] {
            auto job = find(id);
            if (!job) return;
            job->merged_into = where.toStdString();
            if (auto st = store_->update(*job); !st) return emit failed(id, q(st.error().message));
            publish();
        });
    }

    /// The user chose to log in to the profile's cluster after "Log In Later": ask again, now.
    void logIn(const QString& profile) {
        if (!supervisor_) return;
        supervisor_->log_in(profile.toStdString());
        timer_->start(0);
    }

    // A done job's files on its cluster: listed (remove = false) or removed.
    void scratch(const QString& id, bool remove) {
        guarded(id, [&] {
            auto job = find(id);
            if (!job) return;
            auto h = supervisor_->client(job->profile);
            if (!h) return emit failed(id, q(h.error().message));
            (*h)->set_purpose(tr("to look at the files of job %1").arg(id).toStdString());
            auto all = store_->list();
            if (!all) return emit failed(id, q(all.error().message));
            if (remove) {
                auto freed = jobs::remove_scratch(*store_, **h, *job, *all, options_);
                if (!freed) return emit failed(id, q(freed.error().message));
                publish();
            }
            auto files = jobs::list_scratch(**h, *job, *all);
            if (!files) return emit failed(id, q(files.error().message));
            emit scratchListed(
                id, q(jobs::scratch_text(*files)),
                std::ranges::any_of(*files, [](const auto& f) { return f.needed_by.empty(); }));
        });
    }

    void readEvents(const QString& id) {
        if (!store_) return;
        auto events = store_->events(id.toStdString());
        if (!events) return emit failed(id, q(events.error().message));
        emit eventsRead(id, std::move(*events));
    }

    /// A job the user looks at: while it is on a cluster's queue, its cluster is polled every few
    /// seconds instead of backing off to a minute.
    void setWatched(const QString& id) {
        watched_ = id.toStdString();
        timer_->start(0);
    }

    void checkNow() {
        if (!store_) return;
        if (auto all = store_->list())
            for (const auto& profile : active_profiles(*all))
                supervisor_->hurry(profile);
        timer_->start(0);
    }

    void readLog(const QString& id) {
        guarded(id, [&] {
            auto job = find(id);
            if (!job) return;
            auto h = supervisor_->client(job->profile);
            if (!h) return emit failed(id, q(h.error().message));
            (*h)->set_purpose(tr("to read the log of job %1").arg(id).toStdString());
            // job.log here; slurm-ID.out, or NAME.oID of PBS (-j oe), on a cluster; the last 200 KB each.
            const auto script = "cd -- \"$1\" || exit 0\n"
                                "for f in job.log slurm-*.out *.o[0-9]*; do\n"
                                "    [ -f \"$f\" ] || continue\n"
                                "    echo \"==> $f <==\"\n"
                                "    tail -c 200000 -- \"$f\"\n"
                                "done\n";
            auto r =
                (*h)->run("reading the job's log", script, {jobs::job_directory((*h)->profile(), job->id)},
                          std::chrono::minutes(2), closing_);
            if (!r) return emit failed(id, q(r.error().message));
            emit log(id,
                     r->out.empty() ? tr("The job has written no output yet.") : QString::fromUtf8(r->out));
        });
    }

signals:
    void log(const QString& id, const QString& text);
    void eventsRead(const QString& id, std::vector<sluice::jobs::JobEvent> events);
    void scratchListed(const QString& id, const QString& text, bool removable);
    void snapshot(std::vector<sluice::jobs::JobRecord> all);
    void transfer(const QString& id, const QString& what, quint64 done, quint64 total);
    void problems(std::map<QString, QString> set, QStringList cleared, QStringList needs_login);
    void failed(const QString& id, const QString& message);

private:
    Result<std::unique_ptr<jobs::JobHost>> host(const std::string& profile) {
        auto p = jobs::load_profile(files_.profiles.toStdString(), profile);
        if (!p) return propagate(p);
        if (!*p)
            return fail(ErrorKind::bad_input,
                        "no cluster profile '" + profile + "' in " + files_.profiles.toStdString());
        if (jobs::is_local(**p)) return std::make_unique<jobs::LocalHost>(std::move(**p));
        auto slot = pool_.slot(**p); // one login per user@host:port, whichever profile asks
        return std::make_unique<jobs::ClusterClient>(std::move(**p), callbacks_, std::move(slot));
    }

    static std::set<std::string> active_profiles(const std::vector<jobs::JobRecord>& all) {
        std::set<std::string> out;
        for (const auto& j : all)
            if (jobs::needs_attention(j.state)) out.insert(j.profile);
        return out;
    }

    // The job's result and its job directory: here, or on its cluster.
    Status delete_job_files(const jobs::JobRecord& job) {
        auto h = supervisor_->client(job.profile);
        if (!h) return propagate(h);
        (*h)->set_purpose(tr("to delete the files of job %1").arg(q(job.id)).toStdString());
        const auto dir = jobs::job_directory((*h)->profile(), job.id);
        std::error_code ec;
        const std::filesystem::path result = job.local_output;
        if (std::filesystem::is_regular_file(std::filesystem::symlink_status(result, ec)))
            std::filesystem::remove(result, ec);
        if (ec) return fail(ErrorKind::io, "cannot remove " + result.string() + ": " + ec.message());
        if (jobs::is_local((*h)->profile())) {
            std::filesystem::remove_all(dir, ec);
            if (ec) return fail(ErrorKind::io, "cannot remove " + dir + ": " + ec.message());
            return {};
        }
        auto r = (*h)->run("removing the job's files", "rm -rf -- \"$1\"", {dir}, std::chrono::minutes(2),
                           closing_);
        if (!r) return propagate(r);
        return {};
    }

    template <class Action>
    void on_job(const QString& id, const QString& purpose, Action action) {
        guarded(id, [&] {
            auto job = find(id);
            if (!job) return;
            auto h = supervisor_->client(job->profile);
            if (!h) return emit failed(id, q(h.error().message));
            (*h)->set_purpose(purpose.arg(id).toStdString());
            current_ = id;
            if (auto st = action(*store_, **h, *job, options_); !st) emit failed(id, q(st.error().message));
            supervisor_->nudge(job->profile);
            publish();
        });
    }

    std::optional<jobs::JobRecord> find_quietly(const std::string& id) {
        auto job = store_->find(id);
        if (!job || !*job) return std::nullopt;
        return std::move(**job);
    }

    std::optional<jobs::JobRecord> find(const QString& id) {
        if (!store_) return std::nullopt;
        auto job = store_->find(id.toStdString());
        if (!job || !*job) {
            emit failed(id, job ? tr("No job %1.").arg(id) : q(job.error().message));
            return std::nullopt;
        }
        return std::move(**job);
    }

    // Whatever escapes (std::bad_alloc, a library's exception) becomes a message, never the app's end.
    template <class F>
    bool guarded(const QString& id, F&& work) {
        if (!supervisor_) {
            emit failed(id, tr("The job store is not open."));
            return false;
        }
        try {
            work();
            return true;
        } catch (const std::exception& e) {
            emit failed(id, tr("Unexpected error: %1").arg(QString::fromUtf8(e.what())));
        } catch (...) {
            emit failed(id, tr("Unexpected error."));
        }
        return false;
    }

    void tick() {
        if (!guarded({}, [this] { tick_now(); })) timer_->start(std::chrono::seconds(5));
    }

    void tick_now() {
        const auto watched = watched_.empty() ? std::nullopt : find_quietly(watched_);
        const bool follow =
            watched && watched->profile != jobs::local_profile_name &&
            (watched->state == jobs::JobState::submitted || watched->state == jobs::JobState::pending ||
             watched->state == jobs::JobState::running || watched->state == jobs::JobState::resubmitted) &&
            !failing_.contains(watched->profile);
        if (follow) supervisor_->hurry(watched->profile, kWatchedPoll);
        auto pass = supervisor_->tick();
        if (!pass) {
            emit failed({}, q(pass.error().message));
            timer_->start(std::chrono::seconds(5));
            return;
        }
        std::map<QString, QString> set;
        QStringList needs_login;
        for (const auto& p : pass->healthy)
            failing_.erase(p);
        for (const auto& p : pass->problems) {
            failing_.insert(p.profile);
            if (p.needs_login) {
                // Nothing is tried again until the user says so: no countdown.
                set[q(p.profile)] =
                    tr("Not logged in to %1: its jobs are not followed. Log in to go on.").arg(q(p.profile));
                needs_login << q(p.profile);
            } else {
                set[q(p.profile)] = tr("%1 (next try in %2 s)").arg(q(p.message)).arg(p.retry_in.count());
            }
        }
        QStringList cleared;
        for (const auto& p : pass->healthy)
            cleared << q(p);
        if (!set.empty() || !cleared.isEmpty())
            emit problems(std::move(set), std::move(cleared), std::move(needs_login));
        publish();
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(pass->next_tick -
                                                                          jobs::MonotonicClock::now());
        if (follow) wait = std::min<std::chrono::milliseconds>(wait, kWatchedPoll);
        timer_->start(std::max(wait, std::chrono::milliseconds(200)));
    }

    void publish() {
        if (!store_) return;
        if (auto all = store_->list()) emit snapshot(std::move(*all));
    }

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

namespace {

QString default_path(Result<std::filesystem::path> p) {
    return p ? QString::fromStdString(p->string()) : QString();
}

// Runs `ask` on the UI thread (where `context` lives) while the worker waits for the answer, or until the
// app closes: the UI thread may then be waiting for this worker (~JobsService), so the worker gives up and
// takes the empty answer (the login is cancelled). `ask` owns copies of what it shows, since the worker's
// frame may be gone by the time it runs; when `context` is destroyed first, Qt drops it unrun.
template <class R, class F>
R on_ui(QObject* context, std::stop_token closing, std::atomic<int>& waiting, F ask) {
    struct Answer {
        std::mutex m;
        std::condition_variable_any cv;
        std::optional<R> value;
    };
    auto answer = std::make_shared<Answer>();
    ++waiting;
    QMetaObject::invokeMethod(
        context,
        [answer, closing, ask = std::move(ask)]() mutable {
            R value = closing.stop_requested() ? R{} : ask();
            std::lock_guard lock(answer->m);
            answer->value = std::move(value);
            answer->cv.notify_all();
        },
        Qt::QueuedConnection);
    std::unique_lock lock(answer->m);
    answer->cv.wait(lock, closing, [&] { return answer->value.has_value(); });
    --waiting;
    return answer->value ? std::move(*answer->value) : R{};
}

} // namespace

JobsService::JobsService(Files files, QObject* parent) : QObject(parent), files_(std::move(files)) {
    if (files_.store.isEmpty()) files_.store = default_path(jobs::default_job_store_path());
    if (files_.profiles.isEmpty()) files_.profiles = default_path(jobs::default_profiles_path());
    // The worker's callbacks ask whatever prompter is set when the question comes.
    // The prompter is copied on the UI thread before it is called: a dialog's nested event loop may
    // replace it meanwhile.
    remote::SessionCallbacks ask;
    const auto closing = closing_.get_token();
    ask.accept_host_key = [this, closing](const remote::UnknownHostKey& key) {
        return on_ui<bool>(this, closing, asking_, [this, key] {
            const auto p = prompter_.accept_host_key;
            return p && p(key);
        });
    };
    ask.key_passphrase = [this, closing](const std::filesystem::path& file) {
        return on_ui<std::optional<std::string>>(this, closing, asking_, [this, file] {
            const auto p = prompter_.key_passphrase;
            return p ? p(file) : std::nullopt;
        });
    };
    ask.keyboard_interactive = [this, closing](const remote::KbdIntRound& round) {
        return on_ui<std::optional<std::vector<std::string>>>(this, closing, asking_, [this, round] {
            const auto p = prompter_.keyboard_interactive;
            return p ? p(round) : std::nullopt;
        });
    };
    ask.password = [this, closing](const std::string& who, int attempt) {
        return on_ui<std::optional<std::string>>(this, closing, asking_, [this, who, attempt] {
            const auto p = prompter_.password;
            return p ? p(who, attempt) : std::nullopt;
        });
    };
    qRegisterMetaType<std::vector<jobs::JobRecord>>();
    qRegisterMetaType<std::map<QString, QString>>();
    qRegisterMetaType<std::vector<jobs::JobEvent>>();
    worker_ = new JobsWorker(files_, std::move(ask), closing_.get_token());
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &JobsWorker::snapshot, this, &JobsService::take);
    connect(worker_, &JobsWorker::transfer, this, &JobsService::transferProgress);
    connect(worker_, &JobsWorker::problems, this, &JobsService::takeProblems);
    connect(worker_, &JobsWorker::failed, this, [this](const QString& id, const QString& message) {
        if (!id.isEmpty()) failures_[id] = message;
        emit actionFailed(id, message);
        emit jobsChanged();
    });
    connect(worker_, &JobsWorker::log, this, &JobsService::logReady);
    connect(worker_, &JobsWorker::eventsRead, this, &JobsService::eventsReady);
    connect(worker_, &JobsWorker::scratchListed, this, &JobsService::scratchListed);
    thread_.setObjectName(QStringLiteral("sluice-jobs"));
    thread_.start();
    QMetaObject::invokeMethod(worker_, &JobsWorker::start, Qt::QueuedConnection);
    live_timer_.setInterval(500);
    connect(&live_timer_, &QTimer::timeout, this, &JobsService::readLiveProgress);
}

JobsService::~JobsService() {
    closing_.request_stop(); // a transfer in progress returns at its next chunk instead of finishing
    QMetaObject::invokeMethod(worker_, &JobsWorker::stop, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

void JobsService::setPrompter(remote::SessionCallbacks prompter) {
    prompter_ = std::move(prompter);
}

std::optional<jobs::JobRecord> JobsService::job(const QString& id) const {
    for (const auto& j : jobs_)
        if (q(j.id) == id) return j;
    return std::nullopt;
}

std::optional<LiveProgress> JobsService::live(const QString& id) const {
    const auto it = live_.find(id);
    if (it == live_.end()) return std::nullopt;
    return it->second;
}

Result<std::vector<jobs::ClusterProfile>> JobsService::profiles() const {
    return jobs::all_profiles(files_.profiles.toStdString());
}

QString JobsService::problemOf(const QString& profile) const {
    const auto it = problems_.find(profile);
    return it == problems_.end() ? QString() : it->second;
}

void JobsService::submit(jobs::ClusterProfile profile, jobs::JobRecord planned) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, p = std::move(profile), j = std::move(planned)] { w->submit(p, j); },
        Qt::QueuedConnection);
}

void JobsService::cancel(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->cancel(id); }, Qt::QueuedConnection);
}

void JobsService::resume(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->resume(id); }, Qt::QueuedConnection);
}

void JobsService::fetch(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->fetch(id); }, Qt::QueuedConnection);
}

void JobsService::remove(const QString& id, bool delete_files) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id, delete_files] { w->remove(id, delete_files); }, Qt::QueuedConnection);
}

void JobsService::markMerged(const QString& id, const QString& where) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id, where] { w->markMerged(id, where); }, Qt::QueuedConnection);
}

void JobsService::readLog(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->readLog(id); }, Qt::QueuedConnection);
}

QString JobsService::failureOf(const QString& id) const {
    const auto it = failures_.find(id);
    return it == failures_.end() ? QString() : it->second;
}

void JobsService::listScratch(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->scratch(id, false); }, Qt::QueuedConnection);
}

void JobsService::removeScratch(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->scratch(id, true); }, Qt::QueuedConnection);
}

void JobsService::readEvents(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->readEvents(id); }, Qt::QueuedConnection);
}

void JobsService::setWatched(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->setWatched(id); }, Qt::QueuedConnection);
}

void JobsService::logIn(const QString& profile) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, profile] { w->logIn(profile); }, Qt::QueuedConnection);
}

bool JobsService::needsLogin(const QString& profile) const {
    return needs_login_.contains(profile);
}

QStringList JobsService::needingLogin() const {
    return {needs_login_.begin(), needs_login_.end()};
}

void JobsService::checkNow() {
    QMetaObject::invokeMethod(worker_, &JobsWorker::checkNow, Qt::QueuedConnection);
}

void JobsService::take(std::vector<jobs::JobRecord> all) {
    std::map<std::string, jobs::JobState> before;
    std::map<std::string, jobs::WallClock::time_point> updated;
    for (const auto& j : jobs_) {
        before[j.id] = j.state;
        updated[j.id] = j.updated;
    }
    jobs_ = std::move(all);
    // A failure belongs to its job: it goes when the job moves on (or is gone).
    std::erase_if(failures_, [&](const auto& f) {
        const auto it = std::ranges::find(jobs_, f.first.toStdString(), &jobs::JobRecord::id);
        return it == jobs_.end() || (updated.contains(it->id) && updated[it->id] != it->updated);
    });
    readLiveProgress();
    emit jobsChanged();
    for (const auto& j : jobs_) {
        const auto it = before.find(j.id);
        if (it == before.end() || it->second == j.state) continue;
        if (jobs::needs_attention(j.state) && j.state != jobs::JobState::stopped) continue;
        emit jobEnded(q(j.id), q(std::string(to_string(j.state))), q(j.message));
    }
}

void JobsService::takeProblems(std::map<QString, QString> set, QStringList cleared, QStringList needs_login) {
    for (const auto& p : cleared) {
        problems_.erase(p);
        needs_login_.erase(p);
    }
    for (const auto& [profile, text] : set)
        if (!needs_login.contains(profile)) needs_login_.erase(profile);
    for (const auto& p : needs_login)
        needs_login_.insert(p);
    for (auto& [profile, text] : set)
        problems_[profile] = std::move(text);
    emit problemsChanged();
}

// Running jobs on this computer: the engine's progress file, read twice a second, so the view moves with
// the run instead of with the supervisor's polls.
void JobsService::readLiveProgress() {
    using enum jobs::JobState;
    auto here = jobs::local_profile();
    bool any = false;
    std::map<QString, LiveProgress> fresh;
    for (const auto& j : jobs_) {
        if (j.profile != jobs::local_profile_name ||
            (j.state != submitted && j.state != running && j.state != resubmitted))
            continue;
        any = true;
        if (!here) continue;
        QFile f(q(jobs::job_directory(*here, j.id)) + QStringLiteral("/progress.json"));
        if (!f.open(QIODevice::ReadOnly)) continue;
        const auto text = f.readAll().toStdString();
        if (auto p = jobs::parse_engine_progress(text)) {
            fresh[q(j.id)] = LiveProgress{p->state, p->rows_done, p->rows_per_s, p->eta_s};
            // The engine has ended: ask now instead of at the next poll, so the row says so at once.
            if (p->state == "done" || p->state == "failed" || p->state == "stopped") checkNow();
        }
    }
    const bool changed =
        fresh.size() != live_.size() || !std::ranges::equal(fresh, live_, [](const auto& a, const auto& b) {
            return a.first == b.first && a.second.rows_done == b.second.rows_done &&
                   a.second.state == b.second.state;
        });
    live_ = std::move(fresh);
    if (any && !live_timer_.isActive()) live_timer_.start();
    if (!any) live_timer_.stop();
    if (changed && sender() == &live_timer_) emit jobsChanged();
}

} // namespace sluice::gui

#include "jobs_service.moc"
