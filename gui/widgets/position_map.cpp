#include "widgets/position_map.hpp"

#include "util/memory_budget.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice::gui {
namespace {

std::uint64_t value_bytes(h5::ValueType t) {
    switch (t) {
    case h5::ValueType::int8:
    case h5::ValueType::uint8:
        return 1;
    case h5::ValueType::int16:
    case h5::ValueType::uint16:
        return 2;
    case h5::ValueType::float32:
    case h5::ValueType::int32:
    case h5::ValueType::uint32:
        return 4;
    default:
        return 8;
    }
}

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
    return b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b
               ? std::numeric_limits<std::uint64_t>::max()
               : a * b;
}

const QColor kUnknown(20, 30, 90); // cells without a value yet

} // namespace

MapImage::MapImage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("map_image"));
    setMinimumSize(120, 60);
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Click a pixel to show it"));
}

void MapImage::setGrid(const std::vector<std::string>& labels, const std::vector<double>& positions,
                       std::uint64_t rows) {
    const std::size_t dims = labels.size();
    cell_.assign(rows, 0);
    width_ = height_ = 1;
    if (dims == 0 || positions.size() != rows * dims) {
        width_ = std::max<std::uint64_t>(rows, 1); // no grid: the rows in a line
        for (std::uint64_t r = 0; r < rows; ++r)
            cell_[r] = r;
    } else {
        const auto pos = [&](std::uint64_t r, std::size_t d) {
            return static_cast<std::uint64_t>(std::max(0.0, positions[r * dims + d]));
        };
        for (std::uint64_t r = 0; r < rows; ++r) {
            width_ = std::max(width_, pos(r, dims - 1) + 1);
            if (dims > 1) height_ = std::max(height_, pos(r, dims - 2) + 1);
        }
        for (std::uint64_t r = 0; r < rows; ++r)
            cell_[r] = (dims > 1 ? pos(r, dims - 2) : 0) * width_ + pos(r, dims - 1);
    }
    row_at_.assign(width_ * height_, -1);
    for (std::uint64_t r = 0; r < rows; ++r)
        row_at_[cell_[r]] = static_cast<std::int64_t>(r);
    image_ = QImage();
    update();
}

void MapImage::setValues(const std::vector<double>& values, double lo, double hi) {
    image_ = QImage(static_cast<int>(width_), static_cast<int>(height_), QImage::Format_RGB32);
    image_.fill(kUnknown);
    const double span = hi > lo ? hi - lo : 1.0;
    for (std::size_t r = 0; r < values.size() && r < cell_.size(); ++r) {
        if (!std::isfinite(values[r])) continue;
        const int g = static_cast<int>(std::lround(255.0 * (values[r] - lo) / span));
        image_.setPixel(static_cast<int>(cell_[r] % width_), static_cast<int>(cell_[r] / width_),
                        qRgb(g, g, g));
    }
    update();
}

void MapImage::setCurrent(std::uint64_t row) {
    current_ = row;
    update();
}

void MapImage::clear() {
    image_ = QImage();
    cell_.clear();
    row_at_.clear();
    update();
}

QRectF MapImage::cellRect(std::uint64_t row) const {
    const QRectF area = drawn();
    const double cw = area.width() / static_cast<double>(width_),
                 ch = area.height() / static_cast<double>(height_);
    const auto c = row < cell_.size() ? cell_[row] : 0;
    return {area.left() + static_cast<double>(c % width_) * cw,
            area.top() + static_cast<double>(c / width_) * ch, cw, ch};
}

void MapImage::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().window());
    if (cell_.empty()) return;
    const QRectF area = drawn();
    if (!image_.isNull())
        p.drawImage(area, image_);
    else
        p.fillRect(area, kUnknown);
    if (current_ < cell_.size()) {
        p.setPen(QPen(Qt::red, 2));
        p.drawRect(cellRect(current_).adjusted(-1, -1, 1, 1));
    }
}

void MapImage::mousePressEvent(QMouseEvent* e) {
    const QRectF area = drawn();
    if (cell_.empty() || !area.contains(e->position())) return;
    const auto x = static_cast<std::uint64_t>((e->position().x() - area.left()) / area.width() *
                                              static_cast<double>(width_));
    const auto y = static_cast<std::uint64_t>((e->position().y() - area.top()) / area.height() *
                                              static_cast<double>(height_));
    const auto cell = std::min(y, height_ - 1) * width_ + std::min(x, width_ - 1);
    if (row_at_[cell] >= 0) emit rowClicked(static_cast<std::uint64_t>(row_at_[cell]));
}

// The grid keeps its aspect ratio (square cells) and is centred, but is never thinner than 16 px to click
// on (a line of pixels).
QRectF MapImage::drawn() const {
    const double scale =
        std::min(width() / static_cast<double>(width_), height() / static_cast<double>(height_));
    const double w = std::max(scale * static_cast<double>(width_), std::min<double>(width(), 16.0));
    const double h = std::max(scale * static_cast<double>(height_), std::min<double>(height(), 16.0));
    return {(width() - w) / 2, (height() - h) / 2, w, h};
}

PositionMap::PositionMap(H5Service& service, QWidget* parent)
    : QWidget(parent), service_(service), toggle_(new QCheckBox(tr("Map"))), quantity_(new QComboBox),
      body_(new QWidget), image_(new MapImage(body_)), range_(new QLabel), progress_(new QProgressBar),
      cancel_(new QPushButton(tr("Cancel"))), compute_(new QPushButton) {
    setObjectName(QStringLiteral("positionMap"));
    toggle_->setObjectName(QStringLiteral("map_toggle"));
    toggle_->setChecked(true);
    toggle_->setToolTip(tr("Show or hide the position map"));
    quantity_->setObjectName(QStringLiteral("map_quantity"));
    range_->setObjectName(QStringLiteral("map_range"));
    progress_->setObjectName(QStringLiteral("map_progress"));
    cancel_->setObjectName(QStringLiteral("map_cancel"));
    compute_->setObjectName(QStringLiteral("map_compute"));
    range_->setWordWrap(true);
    setMinimumWidth(180);
    setMaximumSize(280, 180);
    progress_->setMaximumHeight(14);

    auto* header = new QHBoxLayout;
    header->addWidget(toggle_);
    header->addWidget(quantity_, 1);
    auto* work = new QHBoxLayout;
    work->addWidget(progress_, 1);
    work->addWidget(cancel_);
    work->addWidget(compute_);
    auto* body = new QVBoxLayout(body_);
    body->setContentsMargins(0, 0, 0, 0);
    body->addWidget(image_, 1);
    body->addWidget(range_);
    body->addLayout(work);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(body_, 1);

    connect(image_, &MapImage::rowClicked, this, &PositionMap::rowClicked);
    connect(toggle_, &QCheckBox::toggled, body_, &QWidget::setVisible);
    connect(quantity_, &QComboBox::activated, this, &PositionMap::quantityChosen);
    connect(compute_, &QPushButton::clicked, this, &PositionMap::computeRms);
    connect(cancel_, &QPushButton::clicked, this, &PositionMap::cancel);
    clear();
}

PositionMap::~PositionMap() = default;

void PositionMap::clear() {
    ++job_;
    generation_ = 0;
    path_.clear();
    rows_ = points_ = bytes_ = 0;
    values_.clear();
    quantity_->clear();
    quantity_->setEnabled(false);
    image_->clear();
    range_->clear();
    hide(); // until there are pixels to map
    progress_->hide();
    cancel_->hide();
    compute_->hide();
}

void PositionMap::setDataset(std::uint64_t generation, const DatasetInfo& info) {
    clear();
    generation_ = generation;
    path_ = info.main.path;
    rows_ = info.main.rows;
    points_ = info.main.points;
    bytes_ = saturating_product(saturating_product(rows_, points_), value_bytes(info.main.type));
    image_->setGrid(info.main.position_indices.labels, info.position_indices, rows_);
    show();
    quantity_->addItem(tr("RMS"));
    quantity_->setEnabled(true);
    listResults();
    quantityChosen(0);
}

// Results groups of this dataset beside it in the file may have stored noise floors to map.
void PositionMap::listResults() {
    const auto slash = path_.rfind('/');
    const std::string parent = slash == 0 ? "/" : path_.substr(0, slash);
    const std::string prefix = path_.substr(slash + 1) + "-FFT_Filtering_";
    ++pending_;
    service_.listGroup(generation_, parent)
        .then(this, [this, generation = generation_, prefix](Result<std::vector<h5::Entry>> entries) {
            --pending_;
            if (!entries || generation != generation_) return;
            for (const auto& e : *entries)
                if (e.filter_result && e.name.starts_with(prefix))
                    quantity_->addItem(tr("Noise floor: %1").arg(QString::fromStdString(e.name)),
                                       QString::fromStdString(e.path));
        });
}

void PositionMap::setCurrentRow(std::uint64_t row) {
    image_->setCurrent(row);
}

void PositionMap::quantityChosen(int index) {
    ++job_; // whatever was being read is not wanted any more
    values_.assign(rows_, std::numeric_limits<double>::quiet_NaN());
    showValues();
    progress_->hide();
    cancel_->hide();
    compute_->hide();
    if (index > 0) {
        const auto group = quantity_->itemData(index).toString().toStdString();
        range_->setText(tr("Reading the noise floors…"));
        ++pending_;
        service_.noiseFloors(generation_, group)
            .then(this, [this, job = job_](Result<std::vector<double>> floors) {
                --pending_;
                if (job != job_) return;
                if (!floors) {
                    range_->setText(QString::fromStdString(floors.error().message));
                    return;
                }
                values_ = std::move(*floors);
                values_.resize(rows_, std::numeric_limits<double>::quiet_NaN());
                showValues();
            });
        return;
    }
    if (bytes_ <= kAutoBytes) {
        computeRms();
        return;
    }
    compute_->setText(tr("Compute (reads %1)").arg(QString::fromStdString(human_bytes(bytes_))));
    compute_->show();
    range_->setText(tr("RMS of each pixel: this dataset is large, so it is read only when asked."));
}

void PositionMap::computeRms() {
    ++job_;
    compute_->hide();
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->show();
    cancel_->show();
    range_->setText(tr("Reading every pixel's RMS…"));
    readBlock(0);
}

void PositionMap::readBlock(std::uint64_t first) {
    const auto count = std::min(h5::rows_per_block(points_, kBlockBytes), rows_ - first);
    ++pending_;
    service_.rowRms(generation_, path_, first, count)
        .then(this, [this, job = job_, first, count](Result<std::vector<double>> rms) {
            --pending_;
            if (job != job_) return; // cancelled or replaced
            if (!rms) {
                finished(QString::fromStdString(rms.error().message));
                return;
            }
            std::copy(rms->begin(), rms->end(), values_.begin() + static_cast<std::ptrdiff_t>(first));
            const auto done = first + count;
            progress_->setValue(
                static_cast<int>(1000.0 * static_cast<double>(done) / static_cast<double>(rows_)));
            if (done < rows_) {
                readBlock(done);
                if (done % std::max<std::uint64_t>(rows_ / 20, 1) < count) showValues(); // now and then
                return;
            }
            finished({});
        });
}

void PositionMap::cancel() {
    ++job_;
    finished(tr("Cancelled after %1 of %2 pixels.")
                 .arg(std::ranges::count_if(values_, [](double v) { return !std::isnan(v); }))
                 .arg(rows_));
    compute_->setText(tr("Compute (reads %1)").arg(QString::fromStdString(human_bytes(bytes_))));
    compute_->show();
}

void PositionMap::finished(const QString& text) {
    cancel_->hide();
    progress_->hide();
    showValues();
    if (!text.isEmpty()) range_->setText(text);
}

// The range line stands in for a colour bar.
void PositionMap::showValues() {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : values_)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    image_->setValues(values_, lo, hi);
    if (lo <= hi)
        range_->setText(tr("dark %1 … bright %2 (%3)")
                            .arg(lo, 0, 'g', 4)
                            .arg(hi, 0, 'g', 4)
                            .arg(quantity_->currentText()));
}

} // namespace sluice::gui
