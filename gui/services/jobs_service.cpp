#include "services/jobs_service.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/status_file.hpp"
#include "qstring_from.hpp"
#include "services/jobs_worker.hpp"
#include "services/keychain.hpp"
#include "services/on_ui.hpp"

#include <QFile>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

namespace sluice::gui {
namespace {

QString default_path(Result<std::filesystem::path> p) {
    return p ? QString::fromStdString(p->string()) : QString();
}

// `read(store)` on a pool thread, with a connection of its own to the store file.
template <class T, class F>
QFuture<Result<T>> read_store(const QString& file, F read) {
    return QtConcurrent::run([path = file.toStdString(), read = std::move(read)]() -> Result<T> {
        auto store = jobs::JobStore::open(path);
        if (!store) return propagate(store);
        return read(*store);
    });
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
            remember_answer_ = false; // until the question's "Remember in the keychain" says otherwise
            return p ? p(who, attempt) : std::nullopt;
        });
    };
    // The keychain (docs/DESIGN.md §8): its jobs run on the UI thread, the worker waits for them.
    ask.remembered_password = [this, closing](const std::string& who) {
        return on_ui_async<std::optional<std::string>>(
            this, closing, asking_,
            [this, key = q(who)](const std::function<void(std::optional<std::string>)>& reply) {
                keychain::read(key, this, reply);
            });
    };
    ask.password_tried = [this, closing](const std::string& who, const std::string& password, bool remembered,
                                         bool accepted) {
        if (remembered == accepted) return; // a remembered one that works, or a typo
        if (!remembered && !remember_answer_.exchange(false)) return;
        const auto key = q(who);
        const auto error = on_ui_async<std::optional<QString>>(
            this, closing, asking_,
            [this, key, remembered,
             secret = password](const std::function<void(std::optional<QString>)>& reply) {
                const auto done = [reply](const QString& e) { reply(e); };
                if (remembered)
                    keychain::remove(key, this, done);
                else
                    keychain::write(key, secret, this, done);
            });
        if (!error) return; // the app is closing
        if (remembered)
            emit keychainNote(
                error->isEmpty()
                    ? tr("The password saved for %1 was not accepted: it is removed from the keychain.")
                          .arg(key)
                    : tr("The password saved for %1 was not accepted, and could not be removed from the "
                         "keychain: %2")
                          .arg(key, *error));
        else
            emit keychainNote(
                error->isEmpty()
                    ? tr("The password for %1 is saved in the keychain.").arg(key)
                    : tr("The password for %1 could not be saved in the keychain: %2").arg(key, *error));
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
    connect(worker_, &JobsWorker::profileActionLine, this, &JobsService::profileActionLine);
    connect(worker_, &JobsWorker::profileTestDone, this,
            [this](quint64 test, int engine, const QString& version, const QString& failure, bool cancelled) {
                actions_.erase(test);
                emit profileTestDone(test, engine, version, failure, cancelled);
            });
    connect(
        worker_, &JobsWorker::engineDeployed, this,
        [this](quint64 deploy, const QString& engine, bool built, const QString& failure, bool cancelled) {
            actions_.erase(deploy);
            emit engineDeployed(deploy, engine, built, failure, cancelled);
        });
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

void JobsService::rememberAnswer(bool remember) {
    remember_answer_ = remember;
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

QFuture<Result<std::optional<jobs::ResourceSuggestion>>>
JobsService::suggestResources(jobs::ClusterProfile profile, std::int64_t rows, std::int64_t points,
                              std::string recipe_sha256) const {
    return read_store<std::optional<jobs::ResourceSuggestion>>(
        files_.store, [profile = std::move(profile), rows, points,
                       sha = std::move(recipe_sha256)](const jobs::JobStore& store) {
            return jobs::suggest_resources(store, profile, rows, points, sha);
        });
}

QFuture<Result<std::optional<jobs::ScalingTable>>> JobsService::studyTable(const QString& id) const {
    const auto found = job(id);
    return read_store<std::optional<jobs::ScalingTable>>(
        files_.store,
        [profile = found ? found->profile : std::string(), id = id.toStdString()](
            const jobs::JobStore& store) { return jobs::stored_study_table(store, profile, id); });
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

quint64 JobsService::testProfile(jobs::ClusterProfile profile) {
    return startProfileAction(&JobsWorker::testProfile, std::move(profile));
}

quint64 JobsService::deployEngine(jobs::ClusterProfile profile) {
    return startProfileAction(&JobsWorker::deployEngine, std::move(profile));
}

quint64 JobsService::startProfileAction(void (JobsWorker::*action)(quint64, const jobs::ClusterProfile&,
                                                                   std::stop_source),
                                        jobs::ClusterProfile profile) {
    const auto id = ++last_action_;
    std::stop_source cancel;
    actions_.emplace(id, cancel);
    QMetaObject::invokeMethod(
        worker_, [w = worker_, action, id, p = std::move(profile), cancel] { (w->*action)(id, p, cancel); },
        Qt::QueuedConnection);
    return id;
}

void JobsService::cancelProfileAction(quint64 action) {
    if (const auto it = actions_.find(action); it != actions_.end()) it->second.request_stop();
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
