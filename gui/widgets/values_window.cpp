#include "widgets/values_window.hpp"

#include "services/h5_service.hpp"

#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>
#include <qcustomplot.h>

namespace sluice::gui {
namespace {

int clamp_int(std::uint64_t v) {
    return static_cast<int>(std::min<std::uint64_t>(v, std::numeric_limits<int>::max()));
}

} // namespace

void ValuesModel::setPage(h5::ValuesPage page) {
    beginResetModel();
    page_ = std::move(page);
    endResetModel();
}

int ValuesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : clamp_int(page_.rows);
}

int ValuesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : clamp_int(page_.columns);
}

QVariant ValuesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto r = static_cast<std::uint64_t>(index.row());
    const auto c = static_cast<std::uint64_t>(index.column());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) return QString::fromStdString(page_.text(r, c));
    if (role == Qt::TextAlignmentRole && page_.numeric()) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ValuesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    const auto first = orientation == Qt::Vertical ? page_.first_row : page_.first_column;
    return QString::number(first + static_cast<std::uint64_t>(section));
}

ValuesWindow::ValuesWindow(H5Service& service, std::uint64_t generation, QString path, h5::ValuesPage first,
                           QWidget* parent)
    : QWidget(parent, Qt::Window), service_(service), generation_(generation), path_(std::move(path)),
      model_(new ValuesModel(this)), table_(new QTableView), plot_(new QCustomPlot), where_(new QLabel),
      first_row_(new QSpinBox), first_column_(new QSpinBox), previous_(new QPushButton(tr("◀ Previous"))),
      next_(new QPushButton(tr("Next ▶"))) {
    setObjectName(QStringLiteral("valuesWindow"));
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("%1 — values").arg(path_));
    table_->setObjectName(QStringLiteral("values_table"));
    table_->setModel(model_);
    table_->setWordWrap(false);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    plot_->setObjectName(QStringLiteral("values_plot"));
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    where_->setObjectName(QStringLiteral("values_where"));
    first_row_->setObjectName(QStringLiteral("values_first_row"));
    first_column_->setObjectName(QStringLiteral("values_first_column"));
    previous_->setObjectName(QStringLiteral("values_previous"));
    next_->setObjectName(QStringLiteral("values_next"));
    for (auto* box : {first_row_, first_column_})
        box->setKeyboardTracking(false);

    auto* controls = new QHBoxLayout;
    // Datasets of more than two dimensions: an index for each dimension before the last two.
    for (std::size_t d = 0; d < first.leading.size(); ++d) {
        auto* box = new QSpinBox;
        box->setObjectName(QStringLiteral("values_index_%1").arg(d));
        box->setRange(0, clamp_int(first.shape[d] - 1));
        box->setKeyboardTracking(false);
        controls->addWidget(new QLabel(tr("dim %1").arg(d)));
        controls->addWidget(box);
        connect(box, &QSpinBox::valueChanged, this,
                [this] { request(static_cast<std::uint64_t>(first_row_->value())); });
        leading_.push_back(box);
    }
    controls->addWidget(new QLabel(tr("First row")));
    controls->addWidget(first_row_);
    controls->addWidget(new QLabel(tr("First column")));
    controls->addWidget(first_column_);
    controls->addWidget(previous_);
    controls->addWidget(next_);
    controls->addStretch(1);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(table_);
    split->addWidget(plot_);
    split->setSizes({360, 240});
    auto* layout = new QVBoxLayout(this);
    auto* title =
        new QLabel(QStringLiteral("<b>%1</b> %2 %3")
                       .arg(path_.toHtmlEscaped(), QString::fromStdString(h5::shape_text(first.shape)),
                            QString::fromStdString(first.dtype)));
    title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(title);
    layout->addLayout(controls);
    layout->addWidget(where_);
    layout->addWidget(split, 1);

    first_row_->setRange(0, clamp_int(first.total_rows > 0 ? first.total_rows - 1 : 0));
    first_column_->setRange(0, clamp_int(first.total_columns > 0 ? first.total_columns - 1 : 0));
    connect(first_row_, &QSpinBox::valueChanged, this,
            [this](int v) { request(static_cast<std::uint64_t>(v)); });
    connect(first_column_, &QSpinBox::valueChanged, this,
            [this] { request(static_cast<std::uint64_t>(first_row_->value())); });
    connect(previous_, &QPushButton::clicked, this, [this] {
        first_row_->setValue(clamp_int(page().first_row -
                                       std::min(page().first_row, std::max<std::uint64_t>(page().rows, 1))));
    });
    connect(next_, &QPushButton::clicked, this,
            [this] { first_row_->setValue(clamp_int(page().first_row + page().rows)); });

    showPage(std::move(first));
    // Big enough for a few columns and a plot, never bigger than most of the screen.
    const QRect avail = (parent ? parent->screen() : QGuiApplication::primaryScreen())->availableGeometry();
    resize(std::min(900, avail.width() * 4 / 5), std::min(640, avail.height() * 4 / 5));
}

void ValuesWindow::request(std::uint64_t first_row) {
    h5::PageRequest r;
    for (auto* box : leading_)
        r.leading.push_back(static_cast<std::uint64_t>(box->value()));
    r.first_row = first_row;
    r.first_column = static_cast<std::uint64_t>(first_column_->value());
    const auto id = ++request_;
    ++pending_;
    service_.readPage(generation_, path_.toStdString(), std::move(r))
        .then(this, [this, id](Result<h5::ValuesPage> page) {
            --pending_;
            if (id != request_) return;
            if (!page) {
                where_->setText(page.error().kind == ErrorKind::cancelled
                                    ? tr("The file was closed.")
                                    : QString::fromStdString(page.error().message));
                return;
            }
            showPage(std::move(*page));
        });
}

void ValuesWindow::showPage(h5::ValuesPage page) {
    const QSignalBlocker a(first_row_), b(first_column_);
    first_row_->setValue(clamp_int(page.first_row));
    first_column_->setValue(clamp_int(page.first_column));
    where_->setText(tr("Rows %1–%2 of %3, columns %4–%5 of %6 (a page holds at most %7 values)")
                        .arg(page.first_row)
                        .arg(page.first_row + page.rows - (page.rows ? 1 : 0))
                        .arg(page.total_rows)
                        .arg(page.first_column)
                        .arg(page.first_column + page.columns - (page.columns ? 1 : 0))
                        .arg(page.total_columns)
                        .arg(h5::max_page_values));
    previous_->setEnabled(page.first_row > 0);
    next_->setEnabled(page.first_row + page.rows < page.total_rows);
    // Columns as wide as the widest of the first values (all of them could be millions), within reason.
    int widest = 40;
    const auto sample = std::min<std::uint64_t>(page.rows * page.columns, 256);
    for (std::uint64_t i = 0; i < sample; ++i)
        widest = std::max(widest, table_->fontMetrics().horizontalAdvance(
                                      QString::fromStdString(page.text(i / page.columns, i % page.columns))));
    table_->horizontalHeader()->setDefaultSectionSize(std::min(widest + 16, 320));
    model_->setPage(std::move(page));
    plot();
}

void ValuesWindow::plot() {
    plot_->clearPlottables();
    const auto& p = page();
    const bool plottable = p.numeric() && p.rows * p.columns > 0;
    plot_->setVisible(plottable); // (isVisible() is false until the window is shown)
    if (!plottable) return;
    if (p.rows == 1 || p.columns == 1) {
        // One row or one column: a line over the dataset's own indices.
        const bool along_rows = p.columns == 1;
        const auto n = along_rows ? p.rows : p.columns;
        const auto first = along_rows ? p.first_row : p.first_column;
        QVector<double> x(static_cast<qsizetype>(n)), y(static_cast<qsizetype>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
            x[static_cast<qsizetype>(i)] = static_cast<double>(first + i);
            y[static_cast<qsizetype>(i)] = along_rows ? p.number(i, 0) : p.number(0, i);
        }
        auto* graph = plot_->addGraph();
        graph->setData(x, y, true);
        plot_->yAxis->setRangeReversed(false);
        plot_->xAxis->setLabel(along_rows ? tr("row") : tr("column"));
        plot_->yAxis->setLabel(tr("value"));
    } else {
        auto* map = new QCPColorMap(plot_->xAxis, plot_->yAxis);
        map->data()->setSize(clamp_int(p.columns), clamp_int(p.rows));
        map->data()->setRange(
            QCPRange(static_cast<double>(p.first_column),
                     static_cast<double>(p.first_column + p.columns - 1)),
            QCPRange(static_cast<double>(p.first_row), static_cast<double>(p.first_row + p.rows - 1)));
        for (std::uint64_t r = 0; r < p.rows; ++r)
            for (std::uint64_t c = 0; c < p.columns; ++c)
                map->data()->setCell(static_cast<int>(c), static_cast<int>(r), p.number(r, c));
        map->setGradient(QCPColorGradient::gpGrayscale);
        map->rescaleDataRange(true);
        plot_->xAxis->setLabel(tr("column"));
        plot_->yAxis->setLabel(tr("row"));
        plot_->yAxis->setRangeReversed(true); // row 0 on top, as in the table
    }
    plot_->rescaleAxes();
    plot_->replot();
}

} // namespace sluice::gui
