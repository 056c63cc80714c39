#include "services/jobs_worker.hpp"

#include "jobs/engine_deploy.hpp"
#include "jobs/local_host.hpp"
#include "jobs/local_import.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profile_check.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/scratch.hpp"
#include "qstring_from.hpp"
#include "sluice/version.hpp"

#include <algorithm>

namespace sluice::gui {
namespace {

std::set<std::string> active_profiles(const std::vector<jobs::JobRecord>& all) {
    std::set<std::string> out;
    for (const auto& j : all)
        if (jobs::needs_attention(j.state)) out.insert(j.profile);
    return out;
}

} // namespace

JobsWorker::JobsWorker(JobsService::Files files, remote::SessionCallbacks callbacks, std::stop_token closing)
    : files_(std::move(files)), callbacks_(std::move(callbacks)), closing_(std::move(closing)) {
    // A child, so that moveToThread takes it along: timers belong to their thread.
    timer_->setSingleShot(true);
    connect(timer_, &QTimer::timeout, this, &JobsWorker::tick);
}

void JobsWorker::start() {
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

void JobsWorker::stop() {
    timer_->stop();
    if (supervisor_) supervisor_->release();
}

void JobsWorker::submit(const jobs::ClusterProfile& profile, jobs::JobRecord job) {
    guarded(q(job.id), [&] {
        if (auto st = store_->insert(job); !st) return emit failed(q(job.id), q(st.error().message));
        publish();
        current_ = q(job.id);
        auto h = hostOf(profile.name, tr("to submit job %1").arg(q(job.id)));
        // On failure the record stays draft/uploading with the reason: the next pass tries again.
        Status st =
            h ? jobs::stage_and_submit(*store_, **h, job, options_) : Status(std::unexpected(h.error()));
        if (!st) emit failed(q(job.id), q(st.error().message));
        supervisor_->nudge(profile.name);
        publish();
    });
}

void JobsWorker::cancel(const QString& id) {
    on_job(id, tr("to cancel job %1"), jobs::cancel_job);
}

void JobsWorker::resume(const QString& id) {
    on_job(id, tr("to resubmit job %1"), jobs::resubmit_job);
}

void JobsWorker::fetch(const QString& id) {
    on_job(id, tr("to download the result of job %1"), jobs::fetch_result);
}

void JobsWorker::remove(const QString& id, bool delete_files) {
    guarded(id, [&] {
        auto job = find(id);
        if (!job) return emit failed(id, q(job.error().message));
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

void JobsWorker::markMerged(const QString& id, const QString& where) {
    guarded(id, [&] {
        auto job = find(id);
        if (!job) return emit failed(id, q(job.error().message));
        job->merged_into = where.toStdString();
        if (auto st = store_->update(*job); !st) return emit failed(id, q(st.error().message));
        publish();
    });
}

void JobsWorker::logIn(const QString& profile) {
    if (!supervisor_) return;
    supervisor_->log_in(profile.toStdString());
    timer_->start(0);
}

void JobsWorker::scratch(const QString& id, bool remove) {
    guarded(id, [&] {
        auto t = hostFor(id, tr("to look at the files of job %1"));
        if (!t) return emit failed(id, q(t.error().message));
        auto all = store_->list();
        if (!all) return emit failed(id, q(all.error().message));
        if (remove) {
            auto freed = jobs::remove_scratch(*store_, *t->host, t->job, *all, options_);
            if (!freed) return emit failed(id, q(freed.error().message));
            publish();
        }
        auto files = jobs::list_scratch(*t->host, t->job, *all);
        if (!files) return emit failed(id, q(files.error().message));
        emit scratchListed(id, q(jobs::scratch_text(*files)),
                           std::ranges::any_of(*files, [](const auto& f) { return f.needed_by.empty(); }));
    });
}

void JobsWorker::readEvents(const QString& id) {
    if (!store_) return;
    auto events = store_->events(id.toStdString());
    if (!events) return emit failed(id, q(events.error().message));
    emit eventsRead(id, std::move(*events));
}

void JobsWorker::setWatched(const QString& id) {
    watched_ = id.toStdString();
    timer_->start(0);
}

void JobsWorker::checkNow() {
    if (!store_) return;
    if (auto all = store_->list())
        for (const auto& profile : active_profiles(*all))
            supervisor_->hurry(profile);
    timer_->start(0);
}

void JobsWorker::readLog(const QString& id) {
    guarded(id, [&] {
        auto t = hostFor(id, tr("to read the log of job %1"));
        if (!t) return emit failed(id, q(t.error().message));
        // job.log here; slurm-ID.out, or NAME.oID of PBS (-j oe), on a cluster; the last 200 KB each.
        const auto script = "cd -- \"$1\" || exit 0\n"
                            "for f in job.log slurm-*.out *.o[0-9]*; do\n"
                            "    [ -f \"$f\" ] || continue\n"
                            "    echo \"==> $f <==\"\n"
                            "    tail -c 200000 -- \"$f\"\n"
                            "done\n";
        auto r = t->host->run("reading the job's log", script,
                              {jobs::job_directory(t->host->profile(), t->job.id)}, std::chrono::minutes(2),
                              closing_);
        if (!r) return emit failed(id, q(r.error().message));
        emit log(id, r->out.empty() ? tr("The job has written no output yet.") : QString::fromUtf8(r->out));
    });
}

void JobsWorker::testProfile(quint64 test, const jobs::ClusterProfile& profile, std::stop_source cancel) {
    // Closing the app ends the test as a cancel does.
    const std::stop_callback closing(closing_, [&cancel] { cancel.request_stop(); });
    jobs::ProfileCheck result;
    try {
        std::unique_ptr<jobs::JobHost> host;
        if (jobs::is_local(profile)) {
            host = std::make_unique<jobs::LocalHost>(profile);
        } else {
            host = clientFor(profile, tr("to test profile %1").arg(q(profile.name)));
        }
        result = jobs::check_profile(
            *host, version,
            [&](const jobs::CheckLine& line) {
                emit profileActionLine(test, static_cast<int>(line.level), q(line.text));
            },
            cancel.get_token());
    } catch (const std::exception& e) {
        result.failure = Error{ErrorKind::internal, e.what(), {}};
    }
    const bool cancelled = result.failure && result.failure->kind == ErrorKind::cancelled;
    emit profileTestDone(test, static_cast<int>(result.engine), q(result.engine_version),
                         result.failure ? q(result.failure->message) : QString(), cancelled);
}

void JobsWorker::deployEngine(quint64 deploy, const jobs::ClusterProfile& profile, std::stop_source cancel) {
    const std::stop_callback closing(closing_, [&cancel] { cancel.request_stop(); });
    const auto failed = [&](const Error& e) {
        const bool cancelled = e.kind == ErrorKind::cancelled || cancel.stop_requested();
        emit engineDeployed(deploy, {}, false, q(e.message), cancelled);
    };
    try {
        auto archive = jobs::engine_source_archive();
        if (!archive) return failed(archive.error());
        auto client = clientFor(profile, tr("to deploy the engine for profile %1").arg(q(profile.name)));
        auto deployed = jobs::deploy_engine(
            *client, *archive, version, {},
            [&](const jobs::CheckLine& line) {
                emit profileActionLine(deploy, static_cast<int>(line.level), q(line.text));
            },
            cancel.get_token());
        if (!deployed) return failed(deployed.error());
        if (auto st =
                jobs::record_deployed_engine(files_.profiles.toStdString(), profile.name, deployed->engine);
            !st)
            return failed(st.error());
        emit engineDeployed(deploy, q(deployed->engine), deployed->built, {}, false);
    } catch (const std::exception& e) {
        failed(Error{ErrorKind::internal, e.what(), {}});
    }
}

std::unique_ptr<jobs::ClusterClient> JobsWorker::clientFor(const jobs::ClusterProfile& profile,
                                                           const QString& purpose) {
    auto client = std::make_unique<jobs::ClusterClient>(profile, callbacks_, pool_.slot(profile));
    client->allow_login();
    client->set_purpose(purpose.toStdString());
    return client;
}

Result<std::unique_ptr<jobs::JobHost>> JobsWorker::host(const std::string& profile) {
    auto p = jobs::load_profile(files_.profiles.toStdString(), profile);
    if (!p) return propagate(p);
    if (!*p)
        return fail(ErrorKind::bad_input,
                    "no cluster profile '" + profile + "' in " + files_.profiles.toStdString());
    if (jobs::is_local(**p)) return std::make_unique<jobs::LocalHost>(std::move(**p));
    auto slot = pool_.slot(**p); // one login per user@host:port, whichever profile asks
    return std::make_unique<jobs::ClusterClient>(std::move(**p), callbacks_, std::move(slot));
}

Result<jobs::JobHost*> JobsWorker::hostOf(const std::string& profile, const QString& purpose) {
    auto h = supervisor_->client(profile);
    if (!h) return propagate(h);
    (*h)->set_purpose(purpose.toStdString());
    return *h;
}

Result<JobsWorker::JobOnHost> JobsWorker::hostFor(const QString& id, const QString& purpose) {
    auto job = find(id);
    if (!job) return propagate(job);
    auto h = hostOf(job->profile, purpose.arg(id));
    if (!h) return propagate(h);
    return JobOnHost{std::move(*job), *h};
}

// The job's result and its job directory: here, or on its cluster.
Status JobsWorker::delete_job_files(const jobs::JobRecord& job) {
    auto h = hostOf(job.profile, tr("to delete the files of job %1").arg(q(job.id)));
    if (!h) return propagate(h);
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
    auto r =
        (*h)->run("removing the job's files", "rm -rf -- \"$1\"", {dir}, std::chrono::minutes(2), closing_);
    if (!r) return propagate(r);
    return {};
}

template <class Action>
void JobsWorker::on_job(const QString& id, const QString& purpose, Action action) {
    guarded(id, [&] {
        auto t = hostFor(id, purpose);
        if (!t) return emit failed(id, q(t.error().message));
        current_ = id;
        if (auto st = action(*store_, *t->host, t->job, options_); !st)
            emit failed(id, q(st.error().message));
        supervisor_->nudge(t->job.profile);
        publish();
    });
}

std::optional<jobs::JobRecord> JobsWorker::find_quietly(const std::string& id) {
    auto job = store_->find(id);
    if (!job || !*job) return std::nullopt;
    return std::move(**job);
}

Result<jobs::JobRecord> JobsWorker::find(const QString& id) {
    if (!store_) return fail(ErrorKind::internal, tr("The job store is not open.").toStdString());
    auto job = store_->find(id.toStdString());
    if (!job) return propagate(job);
    if (!*job) return fail(ErrorKind::bad_input, tr("No job %1.").arg(id).toStdString());
    return std::move(**job);
}

// Whatever escapes (std::bad_alloc, a library's exception) becomes a message, never the app's end.
template <class F>
bool JobsWorker::guarded(const QString& id, F&& work) {
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

void JobsWorker::tick() {
    if (!guarded({}, [this] { tick_now(); })) timer_->start(std::chrono::seconds(5));
}

void JobsWorker::tick_now() {
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
    auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(pass->next_tick - jobs::MonotonicClock::now());
    if (follow) wait = std::min<std::chrono::milliseconds>(wait, kWatchedPoll);
    timer_->start(std::max(wait, std::chrono::milliseconds(200)));
}

void JobsWorker::publish() {
    if (!store_) return;
    if (auto all = store_->list()) emit snapshot(std::move(*all));
}

} // namespace sluice::gui
