#include "widgets/frequency_edit.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QLocale>
#include <array>
#include <cmath>

namespace sluice::gui {
namespace {

constexpr std::array<double, 3> kScale = {1.0, 1e3, 1e6};

QLocale ui_locale() {
    QLocale l;
    l.setNumberOptions(QLocale::OmitGroupSeparator);
    return l;
}

} // namespace

std::optional<double> parse_number(const QString& text) {
    const QString t = text.trimmed();
    if (t.isEmpty()) return std::nullopt;
    bool ok = false;
    double v = ui_locale().toDouble(t, &ok);
    if (!ok) v = QLocale::c().toDouble(t, &ok);
    if (!ok || !std::isfinite(v)) return std::nullopt;
    return v;
}

QString number_text(double v) {
    return ui_locale().toString(v, 'g', QLocale::FloatingPointShortest);
}

FrequencyEdit::FrequencyEdit(const QString& name, QWidget* parent)
    : QWidget(parent), edit_(new QLineEdit(this)), unit_(new QComboBox(this)) {
    edit_->setObjectName(name);
    unit_->setObjectName(name + QStringLiteral(".unit"));
    unit_->addItems({tr("Hz"), tr("kHz"), tr("MHz")});
    unit_->setCurrentIndex(1);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(edit_, 1);
    layout->addWidget(unit_);
    setFocusProxy(edit_);
    connect(edit_, &QLineEdit::textChanged, this, &FrequencyEdit::changed);
    connect(unit_, &QComboBox::currentIndexChanged, this, &FrequencyEdit::changed);
}

std::optional<double> FrequencyEdit::hz() const {
    const auto v = parse_number(edit_->text());
    if (!v) return std::nullopt;
    return *v * kScale[static_cast<std::size_t>(unit_->currentIndex())];
}

bool FrequencyEdit::isEmpty() const {
    return edit_->text().trimmed().isEmpty();
}

void FrequencyEdit::setHz(std::optional<double> hz) {
    const QSignalBlocker block_edit(edit_);
    const QSignalBlocker block_unit(unit_);
    if (!hz) {
        edit_->clear();
    } else {
        std::size_t unit = 0;
        // Only a unit that gives back exactly the same Hz: a loaded recipe must keep its hash.
        for (std::size_t u = 1; u < kScale.size(); ++u) {
            const double shown = *hz / kScale[u];
            if (std::abs(*hz) >= kScale[u] && parse_number(number_text(shown)).value_or(0) * kScale[u] == *hz)
                unit = u;
        }
        unit_->setCurrentIndex(static_cast<int>(unit));
        edit_->setText(number_text(*hz / kScale[unit]));
    }
    emit changed();
}

void FrequencyEdit::setPlaceholderText(const QString& text) {
    edit_->setPlaceholderText(text);
}

} // namespace sluice::gui
