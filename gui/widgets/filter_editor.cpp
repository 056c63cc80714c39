#include "widgets/filter_editor.hpp"

#include "widgets/frequency_edit.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

namespace sluice::gui {
namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};

std::unexpected<Error> not_a_number(const QString& field) {
    return fail(ErrorKind::bad_input, FilterEditor::tr("%1: enter a number").arg(field).toStdString());
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

FilterEditor::FilterEditor(const FilterSpec& initial, QWidget* parent)
    : QFrame(parent), kind_(initial.index()), title_(new QLabel(this)), message_(new QLabel(this)),
      fields_(new QVBoxLayout) {
    setFrameShape(QFrame::StyledPanel);
    setObjectName(QString::fromUtf8(filter_type_name(initial).data()));

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

    std::visit(
        overloaded{
            [&](const LowPass& f) {
                first_ = addFrequency(QStringLiteral("cutoff_hz"), tr("Cut-off"), f.cutoff_hz);
                roll_off_ = new QLineEdit(number_text(f.roll_off), this);
                roll_off_->setObjectName(QStringLiteral("roll_off"));
                roll_off_->setToolTip(tr("Width of the transition as a fraction of the cut-off"));
                auto* form = new QFormLayout;
                form->addRow(tr("Roll-off (fraction)"), roll_off_);
                fields_->addLayout(form);
                connect(roll_off_, &QLineEdit::textChanged, this, &FilterEditor::changed);
            },
            [&](const NoiseBand& f) {
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
            [&](const HarmonicPass& f) {
                first_ = addFrequency(QStringLiteral("first_hz"), tr("First harmonic"), f.first_hz);
                second_ = addFrequency(QStringLiteral("band_width_hz"), tr("Band width"), f.band_width_hz);
                harmonics_ = new QSpinBox(this);
                harmonics_->setObjectName(QStringLiteral("num_harmonics"));
                harmonics_->setRange(1, 100000);
                harmonics_->setValue(static_cast<int>(std::clamp<std::int64_t>(f.num_harmonics, 1, 100000)));
                auto* form = new QFormLayout;
                form->addRow(tr("Harmonics"), harmonics_);
                fields_->addLayout(form);
                connect(harmonics_, &QSpinBox::valueChanged, this, &FilterEditor::changed);
            },
            [&](const BandPass& f) {
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
    auto* form = new QFormLayout;
    form->addRow(label, edit);
    fields_->addLayout(form);
    connect(edit, &FrequencyEdit::changed, this, &FilterEditor::changed);
    return edit;
}

void FilterEditor::addBand(double freq_hz, double width_hz) {
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    Band band{row, new FrequencyEdit({}, row), new FrequencyEdit({}, row)};
    band.freq->setHz(freq_hz);
    band.width->setHz(width_hz);
    auto* remove = new QToolButton(row);
    remove->setIcon(style()->standardIcon(QStyle::SP_TrashIcon));
    remove->setToolTip(tr("Remove this band"));
    remove->setAutoRaise(true);
    layout->addWidget(new QLabel(tr("at"), row));
    layout->addWidget(band.freq, 1);
    layout->addWidget(new QLabel(tr("width"), row));
    layout->addWidget(band.width, 1);
    layout->addWidget(remove);
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
        bands_[i].freq->lineEdit()->setObjectName(QStringLiteral("freqs_hz") + suffix);
        bands_[i].freq->unitBox()->setObjectName(QStringLiteral("freqs_hz") + suffix +
                                                 QStringLiteral(".unit"));
        bands_[i].width->lineEdit()->setObjectName(QStringLiteral("widths_hz") + suffix);
        bands_[i].width->unitBox()->setObjectName(QStringLiteral("widths_hz") + suffix +
                                                  QStringLiteral(".unit"));
    }
}

Result<FilterSpec> FilterEditor::spec() const {
    switch (kind_) {
    case 0: {
        const auto cutoff = first_->hz();
        const auto roll_off = parse_number(roll_off_->text());
        if (!cutoff) return not_a_number(tr("cut-off"));
        if (!roll_off) return not_a_number(tr("roll-off"));
        return LowPass{*cutoff, *roll_off};
    }
    case 1: {
        NoiseBand f;
        for (std::size_t i = 0; i < bands_.size(); ++i) {
            const auto freq = bands_[i].freq->hz();
            const auto width = bands_[i].width->hz();
            if (!freq) return not_a_number(tr("band %1 frequency").arg(i + 1));
            if (!width) return not_a_number(tr("band %1 width").arg(i + 1));
            f.freqs_hz.push_back(*freq);
            f.widths_hz.push_back(*width);
        }
        return f;
    }
    case 2: {
        const auto first = first_->hz();
        const auto width = second_->hz();
        if (!first) return not_a_number(tr("first harmonic"));
        if (!width) return not_a_number(tr("band width"));
        return HarmonicPass{*first, *width, harmonics_->value()};
    }
    default: {
        const auto center = first_->hz();
        const auto width = second_->hz();
        if (!center) return not_a_number(tr("centre"));
        if (!width) return not_a_number(tr("width"));
        return BandPass{*center, *width};
    }
    }
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
