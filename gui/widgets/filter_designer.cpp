#include "widgets/filter_designer.hpp"

#include "widgets/filter_editor.hpp"
#include "widgets/frequency_edit.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStyle>
#include <QVBoxLayout>
#include <fmt/format.h>

namespace sluice::gui {
namespace {

// Sensible starting points so that a new filter previews something at once.
FilterSpec default_filter(int kind) {
    switch (kind) {
    case 0:
        return LowPass{100e3, 0.05};
    case 1:
        return NoiseBand{{50e3}, {1e3}};
    case 2:
        return HarmonicPass{10e3, 1e3, 3};
    default:
        return BandPass{100e3, 20e3};
    }
}

QLabel* message_label(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: palette(bright-text); background: #b3261e; "
                                        "border-radius: 3px; padding: 3px;"));
    label->hide();
    return label;
}

} // namespace

FilterDesigner::FilterDesigner(QWidget* parent)
    : QWidget(parent), type_box_(new QComboBox(this)), add_button_(new QPushButton(tr("Add filter"), this)),
      list_(new QVBoxLayout), empty_hint_(new QLabel(this)),
      threshold_on_(new QCheckBox(tr("Noise threshold"), this)),
      threshold_(new QLineEdit(QStringLiteral("0.0001"), this)),
      rate_(new FrequencyEdit(QStringLiteral("sample_rate_hz"), this)), rate_hint_(new QLabel(this)),
      message_(message_label(this)), recipe_(fail(ErrorKind::bad_input, "not validated yet")) {
    type_box_->setObjectName(QStringLiteral("filter_type"));
    for (std::size_t k = 0; k < std::variant_size_v<FilterSpec>; ++k)
        type_box_->addItem(FilterEditor::displayName(k));
    add_button_->setObjectName(QStringLiteral("add_filter"));
    add_button_->setIcon(style()->standardIcon(QStyle::SP_FileDialogNewFolder));
    connect(add_button_, &QPushButton::clicked, this,
            [this] { addFilter(default_filter(type_box_->currentIndex())); });

    auto* add_row = new QHBoxLayout;
    add_row->addWidget(type_box_, 1);
    add_row->addWidget(add_button_);

    empty_hint_->setText(tr("No frequency filters. Add one above, or use the noise threshold alone."));
    empty_hint_->setWordWrap(true);
    empty_hint_->setEnabled(false);

    auto* list_widget = new QWidget;
    auto* list_outer = new QVBoxLayout(list_widget);
    list_outer->setContentsMargins(0, 0, 0, 0);
    list_outer->addWidget(empty_hint_);
    list_outer->addLayout(list_);
    list_outer->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(list_widget);

    threshold_on_->setObjectName(QStringLiteral("noise_threshold_on"));
    threshold_->setObjectName(QStringLiteral("noise_threshold"));
    threshold_->setEnabled(false);
    threshold_->setToolTip(
        tr("Tolerance in (0, 1): spectral bins below the per-row noise floor are removed"));
    connect(threshold_on_, &QCheckBox::toggled, threshold_, &QLineEdit::setEnabled);
    connect(threshold_on_, &QCheckBox::toggled, this, &FilterDesigner::revalidate);
    connect(threshold_, &QLineEdit::textChanged, this, &FilterDesigner::revalidate);
    connect(rate_, &FrequencyEdit::changed, this, &FilterDesigner::revalidate);
    rate_hint_->setEnabled(false);
    rate_hint_->setWordWrap(true);

    auto* form = new QFormLayout;
    auto* threshold_row = new QHBoxLayout;
    threshold_row->addWidget(threshold_on_);
    threshold_row->addWidget(threshold_, 1);
    form->addRow(threshold_row);
    form->addRow(tr("Sample rate"), rate_);
    form->addRow(rate_hint_);

    message_->setObjectName(QStringLiteral("recipe_message"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(add_row);
    layout->addWidget(scroll, 1);
    layout->addLayout(form);
    layout->addWidget(message_);
    setFileSampleRate(std::nullopt, {});
    revalidate();
}

void FilterDesigner::addFilter(const FilterSpec& spec) {
    auto* editor = new FilterEditor(spec, this);
    editor->setIndex(static_cast<int>(editors_.size()));
    editors_.push_back(editor);
    list_->addWidget(editor);
    connect(editor, &FilterEditor::changed, this, &FilterDesigner::revalidate);
    connect(editor, &FilterEditor::removeRequested, this, [this, editor] { removeFilter(editor); });
    revalidate();
}

void FilterDesigner::removeFilter(FilterEditor* editor) {
    std::erase(editors_, editor);
    editor->hide();
    editor->deleteLater();
    for (std::size_t i = 0; i < editors_.size(); ++i)
        editors_[i]->setIndex(static_cast<int>(i));
    revalidate();
}

void FilterDesigner::setRecipe(const FilterRecipe& recipe) {
    loading_ = true;
    for (auto* e : editors_)
        e->deleteLater();
    editors_.clear();
    for (const auto& f : recipe.filters)
        addFilter(f);
    threshold_on_->setChecked(recipe.noise_threshold.has_value());
    if (recipe.noise_threshold) threshold_->setText(number_text(*recipe.noise_threshold));
    rate_->setHz(recipe.sample_rate_hz);
    loading_ = false;
    revalidate();
}

void FilterDesigner::setFileSampleRate(std::optional<double> hz, const QString& origin) {
    rate_->setPlaceholderText(hz ? tr("from the file") : tr("required"));
    rate_hint_->setText(
        hz ? tr("The file gives %1 Hz (%2). Leave empty to use it.").arg(number_text(*hz), origin)
           : tr("The file gives no sample rate: enter it here."));
}

void FilterDesigner::revalidate() {
    if (loading_) return;
    empty_hint_->setVisible(editors_.empty());
    recipe_ = buildRecipe();
    showDatasetError(recipe_ ? QString() : QString::fromStdString(recipe_.error().message));
    emit recipeChanged();
}

Result<FilterRecipe> FilterDesigner::buildRecipe() const {
    FilterRecipe r;
    if (!rate_->isEmpty()) {
        const auto hz = rate_->hz();
        if (!hz) return fail(ErrorKind::bad_input, tr("sample rate: enter a number").toStdString());
        r.sample_rate_hz = *hz;
    }
    for (std::size_t i = 0; i < editors_.size(); ++i) {
        auto spec = editors_[i]->spec();
        if (!spec) return std::unexpected(spec.error().context(fmt::format("filters[{}]", i)));
        r.filters.push_back(std::move(*spec));
    }
    if (threshold_on_->isChecked()) {
        const auto t = parse_number(threshold_->text());
        if (!t) return fail(ErrorKind::bad_input, tr("noise threshold: enter a number").toStdString());
        r.noise_threshold = *t;
    }
    if (r.filters.empty() && !r.noise_threshold) return r; // nothing to check: the preview shows raw data
    // Stage 1 lives in the JSON reader; going through it keeps one set of rules and messages.
    return parse_recipe(to_json(r));
}

void FilterDesigner::showDatasetError(const QString& message) {
    for (auto* e : editors_)
        e->setMessage({});
    showMessage({});
    if (message.isEmpty()) return;
    // Messages from shared/recipe start with "filters[i]" when they concern one filter.
    static const QRegularExpression filter_ref(QStringLiteral("^filters\\[(\\d+)\\]"));
    const auto m = filter_ref.match(message);
    const auto index = m.hasMatch() ? m.captured(1).toULongLong() : editors_.size();
    if (index < editors_.size())
        editors_[index]->setMessage(message);
    else
        showMessage(message);
}

void FilterDesigner::showMessage(const QString& message) {
    message_->setText(message);
    message_->setVisible(!message.isEmpty());
}

QString FilterDesigner::globalMessage() const {
    return message_->text();
}

} // namespace sluice::gui
