#include "widgets/filter_editor.hpp"

#include "widgets/frequency_edit.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace sluice::gui {
namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};

// Narrow docks: a label that does not fit beside its field goes above it instead of widening the dock.
QFormLayout* form_layout() {
    auto* form = new QFormLayout;
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    return form;
}

double value_or_nan(std::optional<double> v) {
    return v.value_or(std::nan(""));
}

} // namespace

QString FilterEditor::displayName(std::size_t kind) {
    switch (kind) {
    case 0:
        return tr("Low-pass");
    case 1:
        return tr("Noise band (notch)");
    case 2:
        return tr("Harmonic pass");
    case 3:
        return tr("Band-pass");
    default:
        return {};
    }
}

QString FilterEditor::shortName(std::size_t kind) {
    switch (kind) {
    case 1:
        return tr("Notch");
    case 2:
        return tr("Harmonics");
    default:
        return displayName(kind);
    }
}

FilterEditor::FilterEditor(const signal::FilterSpec& initial, QWidget* parent)
    : QFrame(parent), kind_(initial.index()), title_(new QLabel(this)), message_(new QLabel(this)),
      fields_(new QVBoxLayout) {
    setFrameShape(QFrame::StyledPanel);
    setObjectName(QString::fromUtf8(signal::filter_type_name(initial).data()));

    auto* remove = new QToolButton(this);
    remove->setObjectName(QStringLiteral("remove"));
    remove->setIcon(style()->standardIcon(QStyle::SP_DialogCloseButton));
    remove->setToolTip(tr("Remove this filter"));
    remove->setAutoRaise(true);
    connect(remove, &QToolButton::clicked, this, &FilterEditor::removeRequested);

    auto* header = new QHBoxLayout;
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    header->addWidget(title_, 1);
    header->addWidget(remove);

    message_->setObjectName(QStringLiteral("message"));
    message_->setWordWrap(true);
    message_->setStyleSheet(QStringLiteral("color: palette(bright-text); background: #b3261e; "
                                           "border-radius: 3px; padding: 3px;"));
    message_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(fields_);
    layout->addWidget(message_);
    layout->addStretch(1); // fields packed at the top of a tall tab

    std::visit(
        overloaded{
            [&](const signal::LowPass& f) {
                first_ = addFrequency(QStringLiteral("cutoff_hz"), tr("Cut-off"), f.cutoff_hz);
                roll_off_ = new QLineEdit(number_text(f.roll_off), this);
                roll_off_->setObjectName(QStringLiteral("roll_off"));
                roll_off_->setToolTip(tr("Width of the transition as a fraction of the cut-off"));
                auto* form = form_layout();
                form->addRow(tr("Roll-off (fraction)"), roll_off_);
                fields_->addLayout(form);
                connect(roll_off_, &QLineEdit::textChanged, this, &FilterEditor::changed);
            },
            [&](const signal::NoiseBand& f) {
                bands_layout_ = new QVBoxLayout;
                fields_->addLayout(bands_layout_);
                for (std::size_t i = 0; i < f.freqs_hz.size(); ++i)
                    addBand(f.freqs_hz[i], i < f.widths_hz.size() ? f.widths_hz[i] : 0);
                auto* add = new QPushButton(tr("Add band"), this);
                add->setObjectName(QStringLiteral("add_band"));
                connect(add, &QPushButton::clicked, this, [this] {
                    addBand(bands_.empty() ? 50e3 : 2 * bands_.back().freq->hz().value_or(25e3),
                            bands_.empty() ? 1e3 : bands_.back().width->hz().value_or(1e3));
                    emit changed();
                });
                fields_->addWidget(add, 0, Qt::AlignLeft);
            },
            [&](const signal::HarmonicPass& f) {
                first_ = addFrequency(QStringLiteral("first_hz"), tr("First harmonic"), f.first_hz);
                second_ = addFrequency(QStringLiteral("band_width_hz"), tr("Band width"), f.band_width_hz);
                harmonics_ = new QSpinBox(this);
                harmonics_->setObjectName(QStringLiteral("num_harmonics"));
                harmonics_->setRange(1, 100000);
                harmonics_->setValue(static_cast<int>(std::clamp<std::int64_t>(f.num_harmonics, 1, 100000)));
                auto* form = form_layout();
                form->addRow(tr("Harmonics"), harmonics_);
                fields_->addLayout(form);
                connect(harmonics_, &QSpinBox::valueChanged, this, &FilterEditor::changed);
            },
            [&](const signal::BandPass& f) {
                first_ = addFrequency(QStringLiteral("center_hz"), tr("Centre"), f.center_hz);
                second_ = addFrequency(QStringLiteral("width_hz"), tr("Width"), f.width_hz);
            },
        },
        initial);
    setIndex(0);
}

FrequencyEdit* FilterEditor::addFrequency(const QString& name, const QString& label, double hz) {
    auto* edit = new FrequencyEdit(name, this);
    edit->setHz(hz);
    auto* form = form_layout();
    form->addRow(label, edit);
    fields_->addLayout(form);
    connect(edit, &FrequencyEdit::changed, this, &FilterEditor::changed);
    return edit;
}

// A band on two rows (frequency, then width), so that both unit boxes fit a narrow dock.
void FilterEditor::addBand(double freq_hz, double width_hz) {
    auto* row = new QWidget(this);
    auto* layout = new QGridLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setVerticalSpacing(2);
    Band band{row, new QLabel(row), new FrequencyEdit({}, row), new FrequencyEdit({}, row)};
    band.freq->setHz(freq_hz);
    band.width->setHz(width_hz);
    auto* remove = new QToolButton(row);
    remove->setIcon(style()->standardIcon(QStyle::SP_TrashIcon));
    remove->setToolTip(tr("Remove this band"));
    remove->setAutoRaise(true);
    layout->addWidget(band.label, 0, 0, Qt::AlignRight);
    layout->addWidget(band.freq, 0, 1);
    layout->addWidget(remove, 0, 2);
    layout->addWidget(new QLabel(tr("width"), row), 1, 0, Qt::AlignRight);
    layout->addWidget(band.width, 1, 1);
    layout->setColumnStretch(1, 1);
    connect(band.freq, &FrequencyEdit::changed, this, &FilterEditor::changed);
    connect(band.width, &FrequencyEdit::changed, this, &FilterEditor::changed);
    connect(remove, &QToolButton::clicked, this, [this, row] {
        removeBand(row);
        emit changed();
    });
    bands_layout_->addWidget(row);
    bands_.push_back(band);
    renameBands();
}

void FilterEditor::removeBand(QWidget* row) {
    std::erase_if(bands_, [row](const Band& b) { return b.row == row; });
    row->deleteLater();
    renameBands();
}

// Names follow the recipe's keys so that messages, tests and users talk about the same field.
void FilterEditor::renameBands() {
    for (std::size_t i = 0; i < bands_.size(); ++i) {
        const QString suffix = QStringLiteral("[%1]").arg(i);
        bands_[i].label->setText(tr("Band %1 at").arg(i + 1));
        bands_[i].freq->lineEdit()->setObjectName(QStringLiteral("freqs_hz") + suffix);
        bands_[i].freq->unitBox()->setObjectName(QStringLiteral("freqs_hz") + suffix +
                                                 QStringLiteral(".unit"));
        bands_[i].width->lineEdit()->setObjectName(QStringLiteral("widths_hz") + suffix);
        bands_[i].width->unitBox()->setObjectName(QStringLiteral("widths_hz") + suffix +
                                                  QStringLiteral(".unit"));
    }
}

signal::FilterSpec FilterEditor::spec() const {
    switch (kind_) {
    case 0:
        return signal::LowPass{value_or_nan(first_->hz()), value_or_nan(parse_number(roll_off_->text()))};
    case 1: {
        signal::NoiseBand f;
        for (const auto& band : bands_) {
            f.freqs_hz.push_back(value_or_nan(band.freq->hz()));
            f.widths_hz.push_back(value_or_nan(band.width->hz()));
        }
        return f;
    }
    case 2:
        return signal::HarmonicPass{value_or_nan(first_->hz()), value_or_nan(second_->hz()),
                                    harmonics_->value()};
    default:
        return signal::BandPass{value_or_nan(first_->hz()), value_or_nan(second_->hz())};
    }
}

std::vector<Error> FilterEditor::numberProblems() const {
    std::vector<Error> out;
    const auto check = [&](bool ok, const char* key, std::optional<std::size_t> element = {}) {
        if (!ok)
            out.push_back(
                Error{ErrorKind::bad_input, tr("enter a number").toStdString(), Field{{}, key, element}});
    };
    switch (kind_) {
    case 0:
        check(first_->hz().has_value(), "cutoff_hz");
        check(parse_number(roll_off_->text()).has_value(), "roll_off");
        break;
    case 1:
        for (std::size_t i = 0; i < bands_.size(); ++i) {
            check(bands_[i].freq->hz().has_value(), "freqs_hz", i);
            check(bands_[i].width->hz().has_value(), "widths_hz", i);
        }
        break;
    case 2:
        check(first_->hz().has_value(), "first_hz");
        check(second_->hz().has_value(), "band_width_hz");
        break;
    default:
        check(first_->hz().has_value(), "center_hz");
        check(second_->hz().has_value(), "width_hz");
    }
    return out;
}

QWidget* FilterEditor::fieldWidget(const std::string& key, std::optional<std::size_t> element) const {
    if (key == "freqs_hz" || key == "widths_hz") {
        if (bands_.empty()) return nullptr;
        const auto& band = bands_[std::min(element.value_or(0), bands_.size() - 1)];
        return (key == "freqs_hz" ? band.freq : band.width)->lineEdit();
    }
    if (key == "roll_off") return roll_off_;
    if (key == "num_harmonics") return harmonics_;
    if (key == "cutoff_hz" || key == "first_hz" || key == "center_hz")
        return first_ ? first_->lineEdit() : nullptr;
    if (key == "band_width_hz" || key == "width_hz") return second_ ? second_->lineEdit() : nullptr;
    return nullptr;
}

QString FilterEditor::fieldLabel(const std::string& key, std::optional<std::size_t> element) const {
    const auto band = static_cast<int>(element.value_or(0)) + 1;
    if (key == "cutoff_hz") return tr("cut-off");
    if (key == "roll_off") return tr("roll-off");
    if (key == "freqs_hz") return element ? tr("band %1 frequency").arg(band) : tr("bands");
    if (key == "widths_hz") return element ? tr("band %1 width").arg(band) : tr("bands");
    if (key == "first_hz") return tr("first harmonic");
    if (key == "band_width_hz") return tr("band width");
    if (key == "num_harmonics") return tr("harmonics");
    if (key == "center_hz") return tr("centre");
    if (key == "width_hz") return tr("width");
    return QString::fromStdString(key);
}

void FilterEditor::setIndex(int index) {
    title_->setText(QStringLiteral("%1. %2").arg(index + 1).arg(displayName(kind_)));
}

void FilterEditor::setMessage(const QString& message) {
    message_->setText(message);
    message_->setVisible(!message.isEmpty());
}

QString FilterEditor::message() const {
    return message_->text();
}

} // namespace sluice::gui
