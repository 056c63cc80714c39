#include "widgets/job_details.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/scaling.hpp"
#include "models/jobs_model.hpp"
#include "qstring_from.hpp"
#include "services/jobs_service.hpp"

#include <QDateTime>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sluice::gui {
namespace {

QString local_time(jobs::WallClock::time_point t) {
    if (t == jobs::WallClock::time_point{}) return {};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

// status.json's ISO 8601 UTC times, shown in local time.
QString local_time(const std::string& iso) {
    const auto t = QDateTime::fromString(q(iso), Qt::ISODate);
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : q(iso);
}

// The scheduler's elapsed time; when no poll saw it (a job that ran between two polls, or a scheduler
// without accounting), the time between status.json's start and end.
std::int64_t elapsedOf(const jobs::JobRecord& job) {
    if (job.elapsed_s >= 0 || job.started.empty() || job.ended.empty()) return job.elapsed_s;
    const auto started = QDateTime::fromString(q(job.started), Qt::ISODate);
    const auto ended = QDateTime::fromString(q(job.ended), Qt::ISODate);
    return started.isValid() && ended.isValid() && started <= ended ? started.secsTo(ended) : -1;
}

QPlainTextEdit* text_view(const char* name, QWidget* parent) {
    auto* v = new QPlainTextEdit(parent);
    v->setObjectName(QString::fromLatin1(name));
    v->setReadOnly(true);
    v->setLineWrapMode(QPlainTextEdit::NoWrap);
    v->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return v;
}

// Summary rows: key (object name "detail_<key>") and label, in order.
const std::pair<const char*, const char*> kFields[] = {
    {"job", QT_TR_NOOP("Job")},
    {"where", QT_TR_NOOP("Where")},
    {"state", QT_TR_NOOP("State")},
    {"message", QT_TR_NOOP("Last news")},
    {"scheduler_id", QT_TR_NOOP("Scheduler id")},
    {"queue_reason", QT_TR_NOOP("Waiting because")},
    {"node", QT_TR_NOOP("Node")},
    {"submitted", QT_TR_NOOP("Submitted")},
    {"started", QT_TR_NOOP("Started")},
    {"ended", QT_TR_NOOP("Ended")},
    {"elapsed", QT_TR_NOOP("Elapsed")},
    {"checked", QT_TR_NOOP("Last checked")},
    {"source", QT_TR_NOOP("Source")},
    {"dataset", QT_TR_NOOP("Dataset")},
    {"result", QT_TR_NOOP("Result")},
    {"merged", QT_TR_NOOP("Merged into")},
};

} // namespace

JobDetails::JobDetails(JobsService& service, QWidget* parent)
    : QWidget(parent), service_(service), tabs_(new QTabWidget(this)), form_(new QGridLayout),
      none_(new QLabel(tr("Select a job to see its details."), this)), history_(new QTreeWidget(this)),
      script_(text_view("job_script", this)), recipe_(text_view("job_recipe", this)),
      log_(text_view("job_log_text", this)), study_(text_view("job_study_table", this)),
      fetch_log_(new QPushButton(tr("Fetch Log"), this)), scratch_(new QLabel(this)),
      list_scratch_(new QPushButton(tr("Show Cluster Files"), this)),
      remove_scratch_(new QPushButton(tr("Remove from Cluster…"), this)), clock_(new QTimer(this)) {
    tabs_->setObjectName(QStringLiteral("job_details_tabs"));
    auto* summary = new QWidget;
    auto* summary_layout = new QVBoxLayout(summary);
    summary_layout->addWidget(none_);
    summary_layout->addLayout(form_);
    // A done job's copies in the cluster's scratch: listed with sizes on request, removed after asking.
    scratch_->setObjectName(QStringLiteral("job_scratch_text"));
    scratch_->setWordWrap(true);
    list_scratch_->setObjectName(QStringLiteral("job_list_scratch"));
    remove_scratch_->setObjectName(QStringLiteral("job_remove_scratch"));
    auto* scratch_row = new QHBoxLayout;
    scratch_row->addWidget(list_scratch_);
    scratch_row->addWidget(remove_scratch_);
    scratch_row->addStretch();
    summary_layout->addWidget(scratch_);
    summary_layout->addLayout(scratch_row);
    summary_layout->addStretch();
    form_->setColumnStretch(1, 1);
    int row = 0;
    for (const auto& [key, label] : kFields) {
        auto* name = new QLabel(tr(label) + QLatin1Char(':'), summary);
        name->setObjectName(QStringLiteral("detail_name_") + QLatin1String(key));
        name->setAlignment(Qt::AlignRight | Qt::AlignTop);
        auto* value = new QLabel(summary);
        value->setObjectName(QStringLiteral("detail_") + QLatin1String(key));
        value->setTextFormat(Qt::PlainText);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        form_->addWidget(name, row, 0);
        form_->addWidget(value, row++, 1);
    }
    auto* scroll = new QScrollArea;
    scroll->setWidget(summary);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    tabs_->addTab(scroll, tr("Summary"));

    history_->setObjectName(QStringLiteral("job_history"));
    history_->setHeaderLabels({tr("When"), tr("State"), tr("What happened")});
    history_->setRootIsDecorated(false);
    history_->header()->setStretchLastSection(true);
    history_->setColumnWidth(0, 130);
    history_->setColumnWidth(1, 110);
    tabs_->addTab(history_, tr("History"));
    tabs_->addTab(script_, tr("Job Script"));
    tabs_->addTab(recipe_, tr("Recipe"));

    auto* log_page = new QWidget;
    auto* log_layout = new QVBoxLayout(log_page);
    log_layout->setContentsMargins(0, 0, 0, 0);
    fetch_log_->setObjectName(QStringLiteral("job_fetch_log"));
    fetch_log_->setToolTip(tr("Read the job's output now (on a cluster: the scheduler's output files)"));
    log_layout->addWidget(fetch_log_, 0, Qt::AlignLeft);
    log_layout->addWidget(log_);
    tabs_->addTab(log_page, tr("Log"));
    // Last, so that the other tabs keep their places; hidden unless the job is a study.
    tabs_->addTab(study_, tr("Scaling Study"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tabs_);

    connect(fetch_log_, &QPushButton::clicked, this, &JobDetails::fetchLog);
    connect(list_scratch_, &QPushButton::clicked, this, [this] {
        scratch_->setText(tr("Looking at the cluster…"));
        service_.listScratch(id_);
    });
    connect(remove_scratch_, &QPushButton::clicked, this, [this] {
        const auto answer = QMessageBox::question(
            this, tr("Remove from Cluster"),
            tr("Remove job %1's files from the cluster's scratch? The result on this computer stays; the job "
               "cannot be resumed there afterwards. An input another job still needs is kept.")
                .arg(id_),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) return;
        scratch_->setText(tr("Removing…"));
        service_.removeScratch(id_);
    });
    connect(&service_, &JobsService::scratchListed, this,
            [this](const QString& id, const QString& text, bool removable) {
                if (id != id_) return;
                scratch_->setText(tr("On the cluster: %1").arg(text));
                remove_scratch_->setEnabled(removable);
            });
    connect(&service_, &JobsService::logReady, this, [this](const QString& id, const QString& text) {
        if (id == id_) log_->setPlainText(text);
    });
    connect(&service_, &JobsService::eventsReady, this, &JobDetails::showEvents);
    connect(&service_, &JobsService::jobsChanged, this, &JobDetails::refresh);
    clock_->setInterval(1000);
    connect(clock_, &QTimer::timeout, this, &JobDetails::refresh);
    showJob({});
}

void JobDetails::showJob(const QString& id) {
    if (id != id_) {
        id_ = id;
        shown_updated_ = {};
        history_->clear();
        log_->clear();
        scratch_->clear();
        service_.setWatched(id);
    }
    refresh();
}

void JobDetails::fetchLog() {
    if (id_.isEmpty()) return;
    log_->setPlainText(tr("Reading the log…"));
    tabs_->setCurrentIndex(tabs_->indexOf(log_->parentWidget()));
    service_.readLog(id_);
}

void JobDetails::showStudyTable() {
    const int tab = tabs_->indexOf(study_);
    if (tabs_->isTabVisible(tab)) tabs_->setCurrentIndex(tab);
}

void JobDetails::readStudyTable() {
    const auto job = service_.job(id_);
    if (!job || job->kind != jobs::JobKind::scaling) return study_->clear();
    if (job->state != jobs::JobState::done)
        return study_->setPlainText(tr("The table appears here when the study is done."));
    study_->setPlainText(tr("Reading the study…"));
    service_.studyTable(id_).then(this, [this, id = id_](Result<std::optional<jobs::ScalingTable>> table) {
        if (id != id_) return;
        if (!table)
            study_->setPlainText(q(table.error().message));
        else if (!*table)
            study_->setPlainText(tr("The job store keeps no study for job %1.").arg(id));
        else
            study_->setPlainText(q(jobs::scaling_table_text(**table)));
    });
}

QString JobDetails::field(const QString& key) const {
    const auto* label = findChild<QLabel*>(QStringLiteral("detail_") + key);
    return label ? label->text() : QString();
}

void JobDetails::setField(const QString& key, const QString& text) {
    auto* label = findChild<QLabel*>(QStringLiteral("detail_") + key);
    if (!label) return;
    label->setText(text);
    // Unknown rows are hidden, name and value.
    label->setVisible(!text.isEmpty());
    if (auto* name = findChild<QLabel*>(QStringLiteral("detail_name_") + key))
        name->setVisible(!text.isEmpty());
}

void JobDetails::refresh() {
    const auto job = service_.job(id_);
    none_->setVisible(!job);
    fetch_log_->setEnabled(job && !job->scheduler_id.empty());
    const bool on_cluster_done =
        job && job->state == jobs::JobState::done && job->profile != jobs::local_profile_name;
    list_scratch_->setVisible(on_cluster_done);
    remove_scratch_->setVisible(on_cluster_done);
    scratch_->setVisible(on_cluster_done);
    for (const auto& [key, label] : kFields)
        setField(QLatin1String(key), {});
    tabs_->setTabVisible(tabs_->indexOf(study_), job && job->kind == jobs::JobKind::scaling);
    if (!job) {
        clock_->stop();
        script_->clear();
        recipe_->clear();
        study_->clear();
        return;
    }
    if (!clock_->isActive()) clock_->start();
    const auto profile = q(job->profile);
    const bool here = job->profile == jobs::local_profile_name;
    setField(QStringLiteral("job"), id_);
    setField(QStringLiteral("where"), JobsModel::whereText(profile));
    setField(QStringLiteral("state"), JobsModel::stateText(q(std::string(to_string(job->state))), profile));
    setField(QStringLiteral("message"), q(job->message));
    setField(QStringLiteral("scheduler_id"),
             job->scheduler_id.empty() ? QString()
             : here                    ? tr("process %1").arg(q(job->scheduler_id))
                                       : q(job->scheduler_id) +
                          (job->submissions > 1 ? tr(" (submission %1)").arg(job->submissions) : QString()));
    if (job->state == jobs::JobState::pending) setField(QStringLiteral("queue_reason"), q(job->queue_reason));
    setField(QStringLiteral("node"), q(job->node));
    setField(QStringLiteral("submitted"), local_time(job->created));
    setField(QStringLiteral("started"), job->started.empty() ? QString() : local_time(job->started));
    setField(QStringLiteral("ended"), job->ended.empty() ? QString() : local_time(job->ended));
    const auto wall = JobsModel::walltimeOf(job->resources_json);
    const auto elapsed = elapsedOf(*job);
    if (elapsed >= 0)
        setField(QStringLiteral("elapsed"),
                 here || wall.isEmpty()
                     ? JobsModel::durationText(elapsed)
                     : tr("%1 of %2 walltime").arg(JobsModel::durationText(elapsed), wall));
    else if (!here && !wall.isEmpty())
        setField(QStringLiteral("elapsed"), tr("not started (walltime %1)").arg(wall));
    if (job->checked != jobs::WallClock::time_point{}) {
        const auto ago =
            std::chrono::duration_cast<std::chrono::seconds>(jobs::WallClock::now() - job->checked).count();
        setField(QStringLiteral("checked"),
                 tr("%1 (%2 ago)")
                     .arg(local_time(job->checked), JobsModel::durationText(std::max<std::int64_t>(ago, 0))));
    }
    setField(QStringLiteral("source"), q(job->local_input));
    setField(QStringLiteral("dataset"), q(job->dataset));
    setField(QStringLiteral("result"), q(job->local_output));
    setField(QStringLiteral("merged"), q(job->merged_into));

    if (shown_updated_ != job->updated) {
        // Moved on since shown: its history and files are read again.
        shown_updated_ = job->updated;
        service_.readEvents(id_);
        script_->setPlainText(job->job_script.empty() ? tr("(not written yet)") : q(job->job_script));
        const auto pretty = QJsonDocument::fromJson(QByteArray::fromStdString(job->recipe_json)).toJson();
        recipe_->setPlainText(JobsModel::recipeText(job->recipe_json) + "\n\n" +
                              (pretty.isEmpty() ? q(job->recipe_json) : QString::fromUtf8(pretty)));
        readStudyTable();
    }
}

void JobDetails::showEvents(const QString& id, const std::vector<jobs::JobEvent>& events) {
    if (id != id_) return;
    const auto job = service_.job(id_);
    const auto profile = job ? q(job->profile) : QString();
    history_->clear();
    for (const auto& e : events) {
        auto* item = new QTreeWidgetItem(history_);
        item->setText(0, local_time(e.at));
        item->setText(1, JobsModel::stateText(q(std::string(to_string(e.state))), profile));
        item->setText(2, q(e.message));
        item->setToolTip(2, q(e.message));
    }
}

} // namespace sluice::gui
