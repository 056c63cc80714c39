#include "services/cluster_service.hpp"

#include "jobs/cluster_client.hpp"
#include "jobs/job_supervisor.hpp"
#include "jobs/profiles_file.hpp"

#include <QMetaObject>
#include <QTimer>
#include <chrono>
#include <map>
#include <memory>
#include <optional>

namespace sluice::gui {

/// Lives on ClusterService's thread: every libssh and SQLite call of the app's cluster side runs here.
class ClusterWorker : public QObject {
    Q_OBJECT
public:
    ClusterWorker(ClusterService::Files files, remote::SessionCallbacks callbacks, std::stop_token closing)
        : files_(std::move(files)), callbacks_(std::move(callbacks)), closing_(std::move(closing)) {
        // A child, so that moveToThread takes it along: timers belong to their thread.
        timer_->setSingleShot(true);
        connect(timer_, &QTimer::timeout, this, &ClusterWorker::tick);
    }

    void start() {
        auto store = jobs::JobStore::open(files_.store.toStdString());
        if (!store) {
            emit problem(QString::fromStdString(store.error().message));
            return;
        }
        store_.emplace(std::move(*store));
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
            current_ = QString::fromStdString(j.id);
            publish();
        };
        supervisor_ = std::make_unique<jobs::JobSupervisor>(
            *store_, [this](const std::string& profile) { return client(profile); }, options_);
        tick();
    }

    void stop() {
        timer_->stop();
        if (supervisor_) supervisor_->release();
    }

    void submit(const jobs::ClusterProfile& profile, jobs::JobRecord job) {
        guarded([&] { submit_now(profile, std::move(job)); });
    }

    void cancel(const QString& id) {
        guarded([&] { on_job(id, jobs::cancel_job); });
    }

    void fetch(const QString& id) {
        guarded([&] { on_job(id, jobs::fetch_result); });
    }

signals:
    void snapshot(std::vector<sluice::jobs::JobRecord> all);
    void transfer(const QString& id, const QString& what, quint64 done, quint64 total);
    void problem(const QString& message);

private:
    // Whatever escapes (std::bad_alloc, a library's exception) becomes a message, never the app's end.
    template <class F>
    bool guarded(F&& work) {
        try {
            work();
            return true;
        } catch (const std::exception& e) {
            emit problem(tr("Unexpected error: %1").arg(QString::fromUtf8(e.what())));
        } catch (...) {
            emit problem(tr("Unexpected error."));
        }
        return false;
    }

    void submit_now(const jobs::ClusterProfile& profile, jobs::JobRecord job) {
        if (!supervisor_) return emit problem(tr("The job store is not open."));
        if (auto st = store_->insert(job); !st)
            return emit problem(QString::fromStdString(st.error().message));
        publish();
        auto cluster = supervisor_->client(profile.name);
        current_ = QString::fromStdString(job.id);
        // On failure the record stays draft/uploading with the reason: the next pass tries again.
        Status st = cluster ? jobs::stage_and_submit(*store_, **cluster, job, options_)
                            : Status(std::unexpected(cluster.error()));
        if (!st) emit problem(QString::fromStdString(st.error().message));
        supervisor_->nudge(profile.name);
        publish();
    }

    Result<std::unique_ptr<jobs::JobHost>> client(const std::string& profile) {
        auto p = jobs::load_profile(files_.profiles.toStdString(), profile);
        if (!p) return std::unexpected(p.error());
        if (!*p)
            return fail(ErrorKind::bad_input,
                        "no cluster profile '" + profile + "' in " + files_.profiles.toStdString());
        return std::make_unique<jobs::ClusterClient>(std::move(**p), callbacks_);
    }

    template <class Action>
    void on_job(const QString& id, Action action) {
        auto job = find(id);
        if (!job) return;
        auto cluster = supervisor_->client(job->profile);
        if (!cluster) return emit problem(QString::fromStdString(cluster.error().message));
        current_ = id;
        if (auto st = action(*store_, **cluster, *job, options_); !st)
            emit problem(QString::fromStdString(st.error().message));
        publish();
    }

    std::optional<jobs::JobRecord> find(const QString& id) {
        if (!store_) return std::nullopt;
        auto job = store_->find(id.toStdString());
        if (!job || !*job) {
            emit problem(job ? tr("No job %1.").arg(id) : QString::fromStdString(job.error().message));
            return std::nullopt;
        }
        return std::move(**job);
    }

    void tick() {
        if (!guarded([this] { tick_now(); })) timer_->start(std::chrono::seconds(5));
    }

    void tick_now() {
        auto pass = supervisor_->tick();
        if (!pass) {
            emit problem(QString::fromStdString(pass.error().message));
            timer_->start(std::chrono::seconds(5));
            return;
        }
        for (const auto& p : pass->problems)
            emit problem(QString::fromStdString(p));
        publish();
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(pass->next_tick -
                                                                                jobs::MonotonicClock::now());
        timer_->start(std::max(wait, std::chrono::milliseconds(200)));
    }

    void publish() {
        if (!store_) return;
        if (auto all = store_->list()) emit snapshot(std::move(*all));
    }

    ClusterService::Files files_;
    remote::SessionCallbacks callbacks_;
    std::stop_token closing_;
    jobs::RunnerOptions options_;
    QTimer* timer_ = new QTimer(this);
    std::optional<jobs::JobStore> store_;
    std::unique_ptr<jobs::JobSupervisor> supervisor_;
    QString current_;
    std::chrono::steady_clock::time_point last_progress_{};
};

namespace {

QString default_path(Result<std::filesystem::path> p) {
    return p ? QString::fromStdString(p->string()) : QString();
}

// Runs `ask` on the UI thread (where `context` lives) while the worker waits for the answer.
template <class R, class F>
R on_ui(QObject* context, F ask) {
    R answer{};
    QMetaObject::invokeMethod(
        context, [&] { answer = ask(); }, Qt::BlockingQueuedConnection);
    return answer;
}

} // namespace

ClusterService::ClusterService(Files files, QObject* parent) : QObject(parent), files_(std::move(files)) {
    if (files_.store.isEmpty()) files_.store = default_path(jobs::default_job_store_path());
    if (files_.profiles.isEmpty()) files_.profiles = default_path(jobs::default_profiles_path());
    // The worker's callbacks ask whatever prompter is set when the question comes.
    remote::SessionCallbacks ask;
    ask.accept_host_key = [this](const remote::UnknownHostKey& key) {
        return on_ui<bool>(this, [&] { return prompter_.accept_host_key && prompter_.accept_host_key(key); });
    };
    ask.key_passphrase = [this](const std::filesystem::path& file) {
        return on_ui<std::optional<std::string>>(
            this, [&] { return prompter_.key_passphrase ? prompter_.key_passphrase(file) : std::nullopt; });
    };
    ask.keyboard_interactive = [this](const remote::KbdIntRound& round) {
        return on_ui<std::optional<std::vector<std::string>>>(this, [&] {
            return prompter_.keyboard_interactive ? prompter_.keyboard_interactive(round) : std::nullopt;
        });
    };
    ask.password = [this](const std::string& who, int attempt) {
        return on_ui<std::optional<std::string>>(
            this, [&] { return prompter_.password ? prompter_.password(who, attempt) : std::nullopt; });
    };
    worker_ = new ClusterWorker(files_, std::move(ask), closing_.get_token());
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &ClusterWorker::snapshot, this, &ClusterService::take);
    connect(worker_, &ClusterWorker::transfer, this, &ClusterService::transferProgress);
    connect(worker_, &ClusterWorker::problem, this, &ClusterService::problem);
    thread_.setObjectName(QStringLiteral("sluice-cluster"));
    thread_.start();
    QMetaObject::invokeMethod(worker_, &ClusterWorker::start, Qt::QueuedConnection);
}

ClusterService::~ClusterService() {
    closing_.request_stop(); // a transfer in progress returns at its next chunk instead of finishing
    QMetaObject::invokeMethod(worker_, &ClusterWorker::stop, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

void ClusterService::setPrompter(remote::SessionCallbacks prompter) {
    prompter_ = std::move(prompter);
}

Result<std::vector<jobs::ClusterProfile>> ClusterService::profiles() const {
    return jobs::load_profiles(files_.profiles.toStdString());
}

void ClusterService::submit(jobs::ClusterProfile profile, jobs::JobRecord planned) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, p = std::move(profile), j = std::move(planned)] { w->submit(p, j); },
        Qt::QueuedConnection);
}

void ClusterService::cancel(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->cancel(id); }, Qt::QueuedConnection);
}

void ClusterService::fetch(const QString& id) {
    QMetaObject::invokeMethod(
        worker_, [w = worker_, id] { w->fetch(id); }, Qt::QueuedConnection);
}

void ClusterService::take(std::vector<jobs::JobRecord> all) {
    std::map<std::string, jobs::JobState> before;
    for (const auto& j : jobs_)
        before[j.id] = j.state;
    jobs_ = std::move(all);
    emit jobsChanged();
    for (const auto& j : jobs_) {
        const auto it = before.find(j.id);
        if (it == before.end() || it->second == j.state || jobs::needs_attention(j.state)) continue;
        emit jobEnded(
            QString::fromStdString(j.id),
            QString::fromUtf8(to_string(j.state).data(), static_cast<qsizetype>(to_string(j.state).size())),
            QString::fromStdString(j.message));
    }
}

} // namespace sluice::gui

#include "cluster_service.moc"
