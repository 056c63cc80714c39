#include "widgets/jobs_panel.hpp"

#include "services/cluster_service.hpp"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace sluice::gui {
namespace {

QString text(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace

JobsPanel::JobsPanel(ClusterService& service, QWidget* parent)
    : QWidget(parent), service_(service), table_(new QTableWidget(0, 5, this)),
      transfer_(new QProgressBar(this)), problem_(new QLabel(this)),
      cancel_(new QPushButton(tr("Cancel job"), this)), fetch_(new QPushButton(tr("Fetch result"), this)),
      open_(new QPushButton(tr("Open result"), this)),
      merge_(new QPushButton(tr("Merge into source…"), this)), buttons_(new QHBoxLayout) {
    table_->setHorizontalHeaderLabels({tr("Job"), tr("Cluster"), tr("State"), tr("Rows"), tr("Details")});
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    transfer_->hide();
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #b00020"));
    problem_->hide();

    buttons_->addWidget(cancel_);
    buttons_->addWidget(fetch_);
    buttons_->addWidget(open_);
    buttons_->addWidget(merge_);
    buttons_->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_);
    layout->addWidget(transfer_);
    layout->addWidget(problem_);
    layout->addLayout(buttons_);

    connect(&service_, &ClusterService::jobsChanged, this, &JobsPanel::refresh);
    connect(&service_, &ClusterService::problem, this, [this](const QString& message) {
        problem_->setText(message);
        problem_->show();
    });
    connect(&service_, &ClusterService::transferProgress, this,
            [this](const QString& id, const QString& what, quint64 done, quint64 total) {
                transfer_->setVisible(done < total);
                transfer_->setRange(0, 1000);
                transfer_->setValue(total ? static_cast<int>(1000 * done / total) : 0);
                transfer_->setFormat(
                    tr("%1 %2: %p%")
                        .arg(what == QLatin1String("upload") ? tr("Uploading") : tr("Downloading"), id));
            });
    connect(table_, &QTableWidget::itemSelectionChanged, this, &JobsPanel::updateButtons);
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (const int i = selectedIndex(); i >= 0) service_.cancel(text(service_.jobs()[i].id));
    });
    connect(fetch_, &QPushButton::clicked, this, [this] {
        if (const int i = selectedIndex(); i >= 0) service_.fetch(text(service_.jobs()[i].id));
    });
    connect(merge_, &QPushButton::clicked, this, [this] {
        if (const int i = selectedIndex(); i >= 0)
            emit mergeRequested(text(service_.jobs()[i].local_output), text(service_.jobs()[i].local_input));
    });
    connect(open_, &QPushButton::clicked, this, [this] {
        if (const int i = selectedIndex(); i >= 0)
            emit openResultRequested(text(service_.jobs()[i].local_output));
    });
    refresh();
}

void JobsPanel::addButton(QAction* action) {
    auto* b = new QToolButton(this);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    buttons_->addWidget(b);
}

int JobsPanel::rowCount() const {
    return table_->rowCount();
}

QStringList JobsPanel::rowTexts(int row) const {
    QStringList out;
    for (int c = 0; c < table_->columnCount(); ++c)
        out << (table_->item(row, c) ? table_->item(row, c)->text() : QString());
    return out;
}

void JobsPanel::selectJob(const QString& id) {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, 0)->text() == id) table_->selectRow(r);
}

int JobsPanel::selectedIndex() const {
    const auto rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) return -1;
    const auto id = table_->item(rows.first().row(), 0)->text();
    const auto& jobs = service_.jobs();
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (text(jobs[i].id) == id) return static_cast<int>(i);
    return -1;
}

void JobsPanel::refresh() {
    const QString selected = selectedIndex() >= 0 ? text(service_.jobs()[selectedIndex()].id) : QString();
    const auto& jobs = service_.jobs();
    table_->setRowCount(static_cast<int>(jobs.size()));
    // Newest first: the job just submitted is at the top.
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = jobs[jobs.size() - 1 - i];
        const QString rows =
            j.rows_total ? QStringLiteral("%1 / %2").arg(j.rows_done).arg(j.rows_total) : QString();
        const QStringList cells{text(j.id), text(j.profile), text(to_string(j.state)), rows, text(j.message)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = table_->item(static_cast<int>(i), c);
            if (!item) table_->setItem(static_cast<int>(i), c, item = new QTableWidgetItem);
            item->setText(cells[c]);
        }
    }
    if (!selected.isEmpty()) selectJob(selected);
    updateButtons();
}

void JobsPanel::updateButtons() {
    using enum jobs::JobState;
    const int i = selectedIndex();
    const auto state = i >= 0 ? service_.jobs()[i].state : done;
    cancel_->setEnabled(i >= 0 && jobs::needs_attention(state) && state != completed && state != downloading);
    fetch_->setEnabled(i >= 0 && state == completed);
    open_->setEnabled(i >= 0 && state == done);
    merge_->setEnabled(i >= 0 && state == done);
}

} // namespace sluice::gui
