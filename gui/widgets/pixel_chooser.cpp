#include "widgets/pixel_chooser.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <algorithm>
#include <limits>

namespace sluice::gui {

PixelChooser::PixelChooser(QWidget* parent)
    : QWidget(parent), row_box_(new QSpinBox(this)), of_label_(new QLabel(this)),
      dims_layout_(new QHBoxLayout) {
    row_box_->setObjectName(QStringLiteral("pixel_row"));
    row_box_->setToolTip(tr("Row of the dataset (pixel). Alt+Left / Alt+Right step through the rows."));
    row_box_->setKeyboardTracking(false);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Pixel row"), this));
    layout->addWidget(row_box_);
    layout->addWidget(of_label_);
    layout->addSpacing(12);
    layout->addLayout(dims_layout_);
    layout->addStretch(1);
    connect(row_box_, &QSpinBox::valueChanged, this, [this](int value) {
        showPositionOf(static_cast<std::uint64_t>(value));
        emit rowChanged(static_cast<std::uint64_t>(value));
    });
    clear();
}

void PixelChooser::clear() {
    const QSignalBlocker block(row_box_);
    row_box_->setRange(0, 0);
    row_box_->setEnabled(false);
    of_label_->clear();
    for (auto* b : dim_boxes_)
        b->parentWidget()->deleteLater();
    dim_boxes_.clear();
    dim_labels_.clear();
    positions_.clear();
    row_at_.clear();
}

void PixelChooser::setPositions(std::uint64_t rows, const std::vector<std::string>& labels,
                                const std::vector<double>& position_indices) {
    clear();
    const auto max_row = std::min<std::uint64_t>(rows, std::numeric_limits<int>::max()) - (rows > 0 ? 1 : 0);
    {
        const QSignalBlocker block(row_box_);
        row_box_->setRange(0, static_cast<int>(max_row));
        row_box_->setValue(0);
        row_box_->setEnabled(rows > 0);
    }
    of_label_->setText(tr("of %1").arg(rows));
    const std::size_t dims = labels.size();
    // One position dimension is the row index itself; only grids get their own boxes.
    if (dims < 2 || position_indices.size() != rows * dims) return;
    positions_.resize(rows);
    std::vector<std::int64_t> extent(dims, 0);
    for (std::uint64_t r = 0; r < rows; ++r) {
        auto& p = positions_[r];
        for (std::size_t d = 0; d < dims; ++d) {
            p.push_back(static_cast<std::int64_t>(position_indices[r * dims + d]));
            extent[d] = std::max(extent[d], p.back());
        }
        row_at_.emplace(p, r);
    }
    // h5USID lists the slowest dimension first; users read X before Y.
    for (std::size_t k = dims; k-- > 0;) {
        auto* holder = new QWidget(this);
        auto* h = new QHBoxLayout(holder);
        h->setContentsMargins(0, 0, 0, 0);
        const QString label = QString::fromStdString(labels[k]);
        auto* box = new QSpinBox(holder);
        box->setObjectName(QStringLiteral("pixel_") + label);
        box->setRange(0,
                      static_cast<int>(std::min<std::int64_t>(extent[k], std::numeric_limits<int>::max())));
        box->setKeyboardTracking(false);
        h->addWidget(new QLabel(label, holder));
        h->addWidget(box);
        dims_layout_->addWidget(holder);
        connect(box, &QSpinBox::valueChanged, this, &PixelChooser::positionEdited);
        dim_boxes_.push_back(box);
        dim_labels_.push_back(label);
    }
    std::reverse(dim_boxes_.begin(), dim_boxes_.end()); // back to the file's order
    std::reverse(dim_labels_.begin(), dim_labels_.end());
    showPositionOf(0);
}

std::uint64_t PixelChooser::row() const {
    return static_cast<std::uint64_t>(row_box_->value());
}

void PixelChooser::setRow(std::uint64_t row) {
    row_box_->setValue(static_cast<int>(row));
}

void PixelChooser::step(int delta) {
    if (row_box_->isEnabled()) row_box_->setValue(row_box_->value() + delta);
}

void PixelChooser::showPositionOf(std::uint64_t row) {
    if (row >= positions_.size()) return;
    syncing_ = true;
    for (std::size_t d = 0; d < dim_boxes_.size(); ++d)
        dim_boxes_[d]->setValue(static_cast<int>(positions_[row][d]));
    syncing_ = false;
}

void PixelChooser::positionEdited() {
    if (syncing_) return;
    std::vector<std::int64_t> wanted;
    for (auto* b : dim_boxes_)
        wanted.push_back(b->value());
    if (const auto it = row_at_.find(wanted); it != row_at_.end()) setRow(it->second);
}

QString PixelChooser::describe() const {
    QString text = tr("row %1").arg(row());
    if (row() < positions_.size()) {
        QStringList parts;
        for (std::size_t d = dim_boxes_.size(); d-- > 0;)
            parts << QStringLiteral("%1 %2").arg(dim_labels_[d]).arg(positions_[row()][d]);
        text += QStringLiteral(" (%1)").arg(parts.join(QStringLiteral(", ")));
    }
    return text;
}

} // namespace sluice::gui
