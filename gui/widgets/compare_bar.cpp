#include "widgets/compare_bar.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace sluice::gui {

CompareBar::CompareBar(QWidget* parent)
    : QFrame(parent), what_(new QLabel(this)), pixel_(new QLabel(this)),
      merge_(new QPushButton(tr("Merge into Source…"), this)) {
    setObjectName(QStringLiteral("compare_bar"));
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(QStringLiteral("#compare_bar { background: palette(alternate-base); }"));
    what_->setObjectName(QStringLiteral("compare_text"));
    what_->setWordWrap(true);
    pixel_->setObjectName(QStringLiteral("compare_pixel"));
    merge_->setObjectName(QStringLiteral("compare_merge"));
    auto* close = new QPushButton(tr("Close Comparison"), this);
    close->setObjectName(QStringLiteral("compare_close"));
    auto* text = new QVBoxLayout;
    text->addWidget(what_);
    text->addWidget(pixel_);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addLayout(text, 1);
    layout->addWidget(merge_);
    layout->addWidget(close);
    connect(merge_, &QPushButton::clicked, this, &CompareBar::mergeRequested);
    connect(close, &QPushButton::clicked, this, &CompareBar::closeRequested);
    hide();
}

void CompareBar::showResult(const QString& result, const QString& recipe, const QString& merged) {
    what_->setText(
        tr("<b>Comparing with %1</b>: the source's raw signal against the Filtered_Data stored in the "
           "result (not recomputed). Recipe: %2.")
            .arg(result.toHtmlEscaped(), recipe.toHtmlEscaped()));
    merge_->setEnabled(merged.isEmpty());
    merge_->setToolTip(merged.isEmpty() ? tr("Add the result to its source file, atomically")
                                        : tr("Already merged into %1").arg(merged));
    show();
}

void CompareBar::showPixel(const QString& pixel, std::optional<double> noise_floor) {
    pixel_->setText(noise_floor ? tr("%1: stored noise floor %2").arg(pixel).arg(*noise_floor, 0, 'g', 6)
                                : tr("%1 (the result has no noise threshold)").arg(pixel));
}

QString CompareBar::text() const {
    return what_->text() + QLatin1Char('\n') + pixel_->text();
}

} // namespace sluice::gui
