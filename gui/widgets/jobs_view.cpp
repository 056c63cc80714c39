#include "widgets/jobs_view.hpp"

#include "jobs/local_profile.hpp"
#include "models/jobs_model.hpp"
#include "qstring_from.hpp"
#include "services/jobs_service.hpp"
#include "widgets/job_details.hpp"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <set>

namespace sluice::gui {
namespace {

enum class StateGroup { all, active, ended, trouble };

// Rows by state group and by place.
class JobsFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void set(StateGroup group, QString where) {
        group_ = group;
        where_ = std::move(where);
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const auto i = sourceModel()->index(row, 0, parent);
        if (!where_.isEmpty() && i.data(JobsModel::ProfileRole).toString() != where_) return false;
        const auto state = i.data(JobsModel::StateRole).toString();
        switch (group_) {
        case StateGroup::all:
            return true;
        case StateGroup::active:
            return i.data(JobsModel::ActiveRole).toBool();
        case StateGroup::ended:
            return !i.data(JobsModel::ActiveRole).toBool();
        case StateGroup::trouble:
            return state == QLatin1String("failed") || state == QLatin1String("cancelled") ||
                   state == QLatin1String("stopped");
        }
        return true;
    }

private:
    StateGroup group_ = StateGroup::all;
    QString where_;
};

// The progress column as a bar with its text.
class ProgressDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        const double f = index.data(JobsModel::FractionRole).toDouble();
        if (f < 0) return QStyledItemDelegate::paint(painter, option, index);
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 2, -2, -2);
        bar.minimum = 0;
        bar.maximum = 1000;
        bar.progress = static_cast<int>(f * 1000);
        bar.text = index.data(Qt::DisplayRole).toString();
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};

QPushButton* button(const QString& text, const char* name, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setObjectName(QString::fromLatin1(name));
    return b;
}

} // namespace

JobsView::JobsView(JobsService& service, QWidget* parent)
    : QWidget(parent), service_(service), model_(new JobsModel(service, this)), filter_(new JobsFilter(this)),
      table_(new QTableView(this)), state_filter_(new QComboBox(this)), where_filter_(new QComboBox(this)),
      top_(new QHBoxLayout), transfer_(new QProgressBar(this)),
      cancel_(button(tr("Cancel"), "job_cancel", this)), resume_(button(tr("Resume"), "job_resume", this)),
      compare_(button(tr("Compare"), "job_compare", this)),
      merge_(button(tr("Merge into Source…"), "job_merge", this)),
      fetch_(button(tr("Fetch Result"), "job_fetch", this)), log_(button(tr("Log"), "job_log", this)),
      study_table_(button(tr("Show Table"), "job_show_table", this)),
      copy_path_(button(tr("Copy Path"), "job_copy_path", this)),
      remove_(button(tr("Remove…"), "job_remove", this)), login_bar_(new QWidget(this)),
      login_text_(new QLabel(login_bar_)), login_(button(tr("Log In"), "job_login", login_bar_)),
      details_(new JobDetails(service, this)) {
    filter_->setSourceModel(model_);
    table_->setObjectName(QStringLiteral("jobs_table"));
    table_->setModel(filter_);
    table_->setItemDelegateForColumn(JobsModel::ProgressColumn, new ProgressDelegate(table_));
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const std::pair<int, int> widths[] = {
        {JobsModel::JobColumn, 160},      {JobsModel::SourceColumn, 120},  {JobsModel::DatasetColumn, 110},
        {JobsModel::RecipeColumn, 160},   {JobsModel::WhereColumn, 100},   {JobsModel::StateColumn, 140},
        {JobsModel::ProgressColumn, 260}, {JobsModel::DetailsColumn, 300}, {JobsModel::ElapsedColumn, 70}};
    for (const auto& [column, width] : widths)
        table_->setColumnWidth(column, width);
    // What was filtered and how far it got come first; the job's id (for sluice-cli) last.
    auto* header = table_->horizontalHeader();
    header->moveSection(header->visualIndex(JobsModel::JobColumn), JobsModel::ColumnCount - 1);
    header->moveSection(header->visualIndex(JobsModel::ElapsedColumn),
                        header->visualIndex(JobsModel::DetailsColumn));

    state_filter_->setObjectName(QStringLiteral("jobs_state_filter"));
    state_filter_->addItem(tr("All jobs"), static_cast<int>(StateGroup::all));
    state_filter_->addItem(tr("Active"), static_cast<int>(StateGroup::active));
    state_filter_->addItem(tr("Ended"), static_cast<int>(StateGroup::ended));
    state_filter_->addItem(tr("Stopped, failed or cancelled"), static_cast<int>(StateGroup::trouble));
    where_filter_->setObjectName(QStringLiteral("jobs_where_filter"));
    where_filter_->addItem(tr("Everywhere"), QString());
    auto* check = button(tr("Check Now"), "jobs_check_now", this);
    check->setToolTip(tr("Ask every cluster with active jobs at once instead of at the next poll"));
    top_->addWidget(new QLabel(tr("Show:"), this));
    top_->addWidget(state_filter_);
    top_->addWidget(where_filter_);
    top_->addWidget(check);
    top_->addStretch();

    // A cluster whose login question was answered "Log In Later": its jobs wait for this button.
    login_bar_->setObjectName(QStringLiteral("login_bar"));
    login_text_->setObjectName(QStringLiteral("login_text"));
    login_text_->setWordWrap(true);
    login_bar_->setStyleSheet(
        QStringLiteral("#login_bar { background: #fff4e5; border: 1px solid #e0a040; }"));
    auto* login_row = new QHBoxLayout(login_bar_);
    login_row->setContentsMargins(6, 3, 6, 3);
    login_row->addWidget(login_text_, 1);
    login_row->addWidget(login_);
    login_bar_->hide();
    connect(login_, &QPushButton::clicked, this, [this] {
        if (!login_profile_.isEmpty()) service_.logIn(login_profile_);
    });
    connect(&service_, &JobsService::problemsChanged, this, &JobsView::updateLoginBar);

    transfer_->setObjectName(QStringLiteral("jobs_transfer"));
    transfer_->hide();
    auto* actions = new QHBoxLayout;
    study_table_->setToolTip(tr("The study's table: projected time, speed-up, efficiency and core-hours "
                                "per rank count, and the recommendation"));
    for (auto* b : {cancel_, resume_, compare_, merge_, study_table_, fetch_, log_, copy_path_, remove_})
        actions->addWidget(b);
    actions->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top_);
    layout->addWidget(login_bar_);
    // The selected job in full beside the table; the table keeps most of the width.
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("jobs_split"));
    split->addWidget(table_);
    split->addWidget(details_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(true);
    layout->addWidget(split, 1);
    layout->addWidget(transfer_);
    layout->addLayout(actions);

    const auto refilter = [this] {
        static_cast<JobsFilter*>(filter_)->set(static_cast<StateGroup>(state_filter_->currentData().toInt()),
                                               where_filter_->currentData().toString());
        updateButtons();
    };
    connect(state_filter_, &QComboBox::currentIndexChanged, this, refilter);
    connect(where_filter_, &QComboBox::currentIndexChanged, this, refilter);
    connect(check, &QPushButton::clicked, &service_, &JobsService::checkNow);
    connect(&service_, &JobsService::jobsChanged, this, [this] {
        updateWhereFilter();
        updateButtons();
    });
    connect(&service_, &JobsService::transferProgress, this,
            [this](const QString& id, const QString& what, quint64 done, quint64 total) {
                transfer_->setVisible(done < total);
                transfer_->setRange(0, 1000);
                transfer_->setValue(total ? static_cast<int>(1000 * done / total) : 0);
                if (const auto key = what + QLatin1Char(' ') + id; key != transfer_key_) {
                    transfer_meter_.reset(); // another job's transfer: its rate starts afresh
                    transfer_key_ = key;
                }
                const auto reading = transfer_meter_.update(done, total, sluice::TransferMeter::Clock::now());
                // %p% is QProgressBar's own placeholder; the rest is fixed text, so no '%' may reach it.
                transfer_->setFormat(
                    tr("%1 %2: %p% · %3")
                        .arg(what == QLatin1String("upload") ? tr("Uploading") : tr("Downloading"), id,
                             q(sluice::describe_transfer(reading)).replace(QLatin1Char('%'), QString())));
            });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        updateLoginBar();
        details_->showJob(selectedId());
    });

    const auto on_selected = [this](auto fn) {
        return [this, fn] {
            if (const auto id = selectedId(); !id.isEmpty()) fn(id);
        };
    };
    connect(cancel_, &QPushButton::clicked, this, on_selected([this](const QString& id) {
                const auto job = service_.job(id);
                const bool here = job && job->profile == jobs::local_profile_name;
                const auto answer = QMessageBox::question(
                    this, tr("Cancel Job"),
                    here ? tr("Stop job %1 after its current block? It can be resumed later.").arg(id)
                         : tr("Cancel job %1 on %2? The cluster ends it; it can be resubmitted later.")
                               .arg(id, job ? q(job->profile) : QString()),
                    QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
                if (answer == QMessageBox::Yes) service_.cancel(id);
            }));
    connect(resume_, &QPushButton::clicked, this,
            on_selected([this](const QString& id) { service_.resume(id); }));
    connect(fetch_, &QPushButton::clicked, this,
            on_selected([this](const QString& id) { service_.fetch(id); }));
    connect(log_, &QPushButton::clicked, this, on_selected([this](const QString&) { details_->fetchLog(); }));
    connect(study_table_, &QPushButton::clicked, this, [this] { details_->showStudyTable(); });
    // A study's row opens its table; other jobs have nothing to open.
    connect(table_, &QTableView::doubleClicked, this, [this] {
        if (!study_table_->isHidden() && study_table_->isEnabled()) details_->showStudyTable();
    });
    connect(compare_, &QPushButton::clicked, this,
            on_selected([this](const QString& id) { emit compareRequested(id); }));
    connect(merge_, &QPushButton::clicked, this,
            on_selected([this](const QString& id) { emit mergeRequested(id); }));
    connect(remove_, &QPushButton::clicked, this,
            on_selected([this](const QString& id) { confirmRemove(id); }));
    connect(copy_path_, &QPushButton::clicked, this, on_selected([this](const QString& id) {
                const auto job = service_.job(id);
                auto profiles = service_.profiles();
                if (!job || !profiles) return;
                for (const auto& p : *profiles)
                    if (p.name == job->profile)
                        QApplication::clipboard()->setText(q(jobs::job_directory(p, job->id)));
            }));
    updateButtons();
}

void JobsView::addAction(QAction* action) {
    auto* b = new QToolButton(this);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    top_->insertWidget(0, b);
}

QString JobsView::selectedId() const {
    const auto rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(JobsModel::IdRole).toString();
}

void JobsView::selectJob(const QString& id) {
    const int row = model_->rowOf(id);
    if (row < 0) return;
    const auto index = filter_->mapFromSource(model_->index(row, 0));
    if (index.isValid()) table_->selectRow(index.row());
}

int JobsView::visibleRows() const {
    return filter_->rowCount();
}

// The place filter lists the profiles that have jobs.
void JobsView::updateWhereFilter() {
    std::set<QString> profiles;
    for (const auto& j : service_.jobs())
        profiles.insert(q(j.profile));
    for (const auto& p : profiles)
        if (where_filter_->findData(p) < 0) where_filter_->addItem(JobsModel::whereText(p), p);
}

void JobsView::updateButtons() {
    using enum jobs::JobState;
    const auto job = service_.job(selectedId());
    const auto state = job ? job->state : done;
    const bool here = job && job->profile == jobs::local_profile_name;
    const bool active = job && jobs::needs_attention(state) && state != stopped;
    cancel_->setEnabled(active && state != completed && state != downloading);
    resume_->setEnabled(job && (state == stopped || state == failed || state == cancelled) &&
                        job->submissions > 0);
    // A scaling study's result is a table (scaling.json), not a filtered dataset.
    const bool study = job && job->kind == jobs::JobKind::scaling;
    compare_->setEnabled(job && !study && state == done);
    merge_->setEnabled(job && !study && state == done && job->merged_into.empty());
    study_table_->setVisible(study);
    study_table_->setEnabled(study && state == done);
    merge_->setToolTip(study ? tr("A scaling study has no result to merge; Show Table shows what it measured")
                       : job && !job->merged_into.empty()
                           ? tr("Already merged into %1").arg(q(job->merged_into))
                           : tr("Add the result to its source file, atomically"));
    fetch_->setEnabled(job && !here && state == completed);
    fetch_->setVisible(!here);
    log_->setEnabled(job && !job->scheduler_id.empty());
    copy_path_->setEnabled(job.has_value());
    copy_path_->setToolTip(here ? tr("Copy the job's folder on this computer")
                                : tr("Copy the job's folder on the cluster"));
    remove_->setEnabled(job && !active);
}

void JobsView::updateLoginBar() {
    const auto waiting = service_.needingLogin();
    login_bar_->setVisible(!waiting.isEmpty());
    if (waiting.isEmpty()) return;
    // The selected job's cluster if it is one of them, else the first.
    const auto job = service_.job(selectedId());
    login_profile_ = job && waiting.contains(q(job->profile)) ? q(job->profile) : waiting.first();
    int jobs = 0;
    for (const auto& j : service_.jobs())
        jobs += q(j.profile) == login_profile_ && jobs::needs_attention(j.state);
    login_text_->setText(
        tr("Not logged in to %1: %n job(s) there wait until you log in.", nullptr, jobs).arg(login_profile_) +
        (waiting.size() > 1 ? tr(" (%1 clusters wait.)").arg(waiting.size()) : QString()));
    login_->setText(tr("Log In to %1").arg(login_profile_));
}

void JobsView::confirmRemove(const QString& id) {
    const auto job = service_.job(id);
    if (!job) return;
    QMessageBox box(QMessageBox::Question, tr("Remove Job"), tr("Remove job %1 from the list?").arg(id),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("remove_confirm"));
    box.setInformativeText(
        tr("Keep its files: the result stays at %1. Delete its files: the result and the job's folder%2 are "
           "deleted too.")
            .arg(q(job->local_output),
                 job->profile == jobs::local_profile_name ? QString() : tr(" on the cluster")));
    auto* keep = box.addButton(tr("Remove, Keep Files"), QMessageBox::AcceptRole);
    auto* purge = box.addButton(tr("Remove and Delete Files"), QMessageBox::DestructiveRole);
    keep->setObjectName(QStringLiteral("remove_keep"));
    purge->setObjectName(QStringLiteral("remove_delete"));
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(keep);
    box.exec();
    if (box.clickedButton() == keep) service_.remove(id, false);
    if (box.clickedButton() == purge) service_.remove(id, true);
}

} // namespace sluice::gui
