#include "widgets/filter_designer.hpp"

#include "util/overloaded.hpp"
#include "widgets/filter_editor.hpp"
#include "widgets/frequency_edit.hpp"

#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice::gui {
namespace {

// Sensible starting points so that a new filter previews something at once: fractions of the sample
// rate (100 kHz, 50 kHz, ... at 1 MHz), so that a new filter is valid on a file of any rate.
signal::FilterSpec default_filter(int kind, double fs) {
    switch (kind) {
    case 0:
        return signal::LowPass{fs / 10, 0.05};
    case 1:
        return signal::NoiseBand{{fs / 20}, {fs / 1000}};
    case 2:
        return signal::HarmonicPass{fs / 100, fs / 1000, 3};
    default:
        return signal::BandPass{fs / 10, fs / 50};
    }
}

bool usable_rate(std::optional<double> hz) {
    return hz && std::isfinite(*hz) && *hz > 0;
}

// "1 MHz", "200 kHz", "12.5 Hz": a rate as a person writes it.
QString rate_text(double hz) {
    if (hz >= 1e6) return QStringLiteral("%1 MHz").arg(number_text(hz / 1e6));
    if (hz >= 1e3) return QStringLiteral("%1 kHz").arg(number_text(hz / 1e3));
    return QStringLiteral("%1 Hz").arg(number_text(hz));
}

// -0 filters as 0 but would give the recipe another canonical form and hash; parse_recipe writes 0 too.
void drop_negative_zeros(recipe::FilterRecipe& r) {
    const auto fix = [](double& x) { x = x == 0 ? 0.0 : x; };
    if (r.sample_rate_hz) fix(*r.sample_rate_hz);
    for (auto& f : r.filters) {
        std::visit(overloaded{
                       [&](signal::LowPass& p) {
                           fix(p.cutoff_hz);
                           fix(p.roll_off);
                       },
                       [&](signal::NoiseBand& p) {
                           std::ranges::for_each(p.freqs_hz, fix);
                           std::ranges::for_each(p.widths_hz, fix);
                       },
                       [&](signal::HarmonicPass& p) {
                           fix(p.first_hz);
                           fix(p.band_width_hz);
                       },
                       [&](signal::BandPass& p) {
                           fix(p.center_hz);
                           fix(p.width_hz);
                       },
                   },
                   f);
    }
}

Error not_a_number(Field field) {
    return Error{ErrorKind::bad_input, FilterDesigner::tr("enter a number").toStdString(), std::move(field)};
}

// Problems in the order of the panel: sample rate, the filters in order, the threshold, the rest.
std::size_t position(const Error& e) {
    if (!e.field) return std::numeric_limits<std::size_t>::max();
    if (e.field->filter) return *e.field->filter + 1;
    return e.field->key == "sample_rate_hz" ? 0 : std::numeric_limits<std::size_t>::max() - 1;
}

} // namespace

FilterDesigner::FilterDesigner(QWidget* parent)
    : QWidget(parent), type_box_(new QComboBox(this)), add_button_(new QPushButton(tr("Add filter"), this)),
      bar_(new QListWidget(this)), tabs_(new QTabWidget(this)), empty_hint_(new QLabel(this)),
      threshold_on_(new QCheckBox(tr("Noise threshold"), this)),
      threshold_(new QLineEdit(QStringLiteral("0.0001"), this)),
      rate_(new FrequencyEdit(QStringLiteral("sample_rate_hz"), this)), rate_hint_(new QLabel(this)),
      use_file_rate_(new QPushButton(this)), recipe_(fail(ErrorKind::bad_input, "not validated yet")) {
    // The problem bar: one entry per bad field; a click or Enter goes to the field.
    bar_->setObjectName(QStringLiteral("problem_bar"));
    bar_->setWordWrap(true);
    bar_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    bar_->setStyleSheet(QStringLiteral("QListWidget#problem_bar { background: #fdecea; color: #5f100b; "
                                       "border: 1px solid #b3261e; border-radius: 3px; }"));
    bar_->setToolTip(tr("Click a problem (or press Enter on it) to go to its field"));
    bar_->viewport()->installEventFilter(this);
    bar_->hide();
    connect(bar_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { goToProblem(bar_->row(item)); });
    connect(bar_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { goToProblem(bar_->row(item)); });

    type_box_->setObjectName(QStringLiteral("filter_type"));
    for (std::size_t k = 0; k < std::variant_size_v<signal::FilterSpec>; ++k)
        type_box_->addItem(FilterEditor::displayName(k));
    add_button_->setObjectName(QStringLiteral("add_filter"));
    add_button_->setIcon(style()->standardIcon(QStyle::SP_FileDialogNewFolder));
    connect(add_button_, &QPushButton::clicked, this, [this] {
        const auto typed = rate_->hz();
        const double fs = usable_rate(typed) ? *typed : file_rate_.value_or(1e6);
        addFilter(default_filter(type_box_->currentIndex(), fs));
        tabs_->setCurrentIndex(tabs_->count() - 1);
    });
    auto* add_row = new QHBoxLayout;
    add_row->addWidget(type_box_, 1);
    add_row->addWidget(add_button_);

    empty_hint_->setText(tr("No frequency filters. Add one above, or use the noise threshold alone."));
    empty_hint_->setWordWrap(true);
    empty_hint_->setEnabled(false);
    // One tab per filter: a dock of any height shows one filter's fields whole, and the tabs name the rest.
    tabs_->setObjectName(QStringLiteral("filter_tabs"));
    tabs_->setUsesScrollButtons(true);
    tabs_->setDocumentMode(true);

    threshold_on_->setObjectName(QStringLiteral("noise_threshold_on"));
    threshold_->setObjectName(QStringLiteral("noise_threshold"));
    threshold_->setEnabled(false);
    const QString threshold_help =
        tr("Tolerance t in (0, 1). For every pixel Sluice estimates the noise floor of its spectrum, about "
           "RMS · √(2 ln(1/t)) (the RMS taken again without the peaks above the floor), and removes every "
           "frequency bin below it. A higher value lowers the floor and removes less; a lower value raises "
           "it and removes more.");
    threshold_->setToolTip(threshold_help);
    threshold_on_->setToolTip(threshold_help);
    auto* help = new QLabel(tr("Removes bins below the noise floor. A higher value lowers the floor and "
                               "removes less."),
                            this);
    help->setObjectName(QStringLiteral("noise_threshold_help"));
    help->setWordWrap(true);
    help->setEnabled(false);
    help->setToolTip(threshold_help);
    connect(threshold_on_, &QCheckBox::toggled, threshold_, &QLineEdit::setEnabled);
    connect(threshold_on_, &QCheckBox::toggled, this, &FilterDesigner::revalidate);
    connect(threshold_, &QLineEdit::textChanged, this, &FilterDesigner::revalidate);
    connect(rate_, &FrequencyEdit::changed, this, &FilterDesigner::revalidate);
    rate_hint_->setEnabled(false);
    rate_hint_->setWordWrap(true);
    use_file_rate_->setObjectName(QStringLiteral("use_file_rate"));
    use_file_rate_->hide();
    connect(use_file_rate_, &QPushButton::clicked, this, [this] {
        rate_->setHz(std::nullopt); // empty: the recipe follows the file
        revalidate();
    });

    auto* form = new QFormLayout;
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    auto* threshold_row = new QHBoxLayout;
    threshold_row->addWidget(threshold_on_);
    threshold_row->addWidget(threshold_, 1);
    form->addRow(threshold_row);
    form->addRow(help);
    form->addRow(tr("Sample rate"), rate_);
    form->addRow(rate_hint_);
    form->addRow(use_file_rate_);

    // The bar goes under the Add row, so that its appearing never moves the button being clicked.
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(add_row);
    layout->addWidget(bar_);
    layout->addWidget(empty_hint_);
    layout->addWidget(tabs_, 1);
    layout->addStretch(0);
    layout->addLayout(form);
    setFileSampleRate(std::nullopt, {});
    revalidate();
}

void FilterDesigner::addFilter(const signal::FilterSpec& spec) {
    auto* editor = new FilterEditor(spec);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // fields shrink to the dock instead
    scroll->setWidget(editor);
    tabs_->addTab(scroll, QString());
    editors_.push_back(editor);
    connect(editor, &FilterEditor::changed, this, &FilterDesigner::revalidate);
    connect(editor, &FilterEditor::removeRequested, this, [this, editor] { removeFilter(editor); });
    stage2_.clear(); // its indices describe the old list
    renumber();
    revalidate();
}

void FilterDesigner::removeFilter(FilterEditor* editor) {
    const auto it = std::ranges::find(editors_, editor);
    if (it == editors_.end()) return;
    const int index = static_cast<int>(it - editors_.begin());
    editors_.erase(it);
    QWidget* page = tabs_->widget(index);
    tabs_->removeTab(index);
    page->deleteLater();
    stage2_.clear();
    renumber();
    revalidate();
}

void FilterDesigner::renumber() {
    for (std::size_t i = 0; i < editors_.size(); ++i) {
        const int tab = static_cast<int>(i);
        editors_[i]->setIndex(tab);
        tabs_->setTabText(
            tab, QStringLiteral("%1 %2").arg(i + 1).arg(FilterEditor::shortName(editors_[i]->kind())));
        tabs_->setTabToolTip(tab, FilterEditor::displayName(editors_[i]->kind()));
    }
}

void FilterDesigner::setRecipe(const recipe::FilterRecipe& recipe) {
    loading_ = true;
    while (tabs_->count() > 0) {
        QWidget* page = tabs_->widget(0);
        tabs_->removeTab(0);
        page->deleteLater();
    }
    editors_.clear();
    for (const auto& f : recipe.filters)
        addFilter(f);
    threshold_on_->setChecked(recipe.noise_threshold.has_value());
    if (recipe.noise_threshold) threshold_->setText(number_text(*recipe.noise_threshold));
    rate_->setHz(recipe.sample_rate_hz);
    stage2_.clear();
    loading_ = false;
    if (!editors_.empty()) tabs_->setCurrentIndex(0);
    revalidate();
}

void FilterDesigner::setFileSampleRate(std::optional<double> hz, const QString& origin) {
    file_rate_ = usable_rate(hz) ? hz : std::nullopt;
    rate_->setPlaceholderText(hz ? tr("from the file") : tr("required"));
    rate_hint_->setText(hz ? tr("The file gives %1 (%2). Leave empty to use it.").arg(rate_text(*hz), origin)
                           : tr("The file gives no sample rate: enter it here."));
    revalidate();
}

recipe::FilterRecipe FilterDesigner::previewRecipe() const {
    if (recipe_) return *recipe_;
    recipe::FilterRecipe raw;
    if (const auto hz = rate_->hz(); usable_rate(hz)) raw.sample_rate_hz = hz;
    return raw;
}

void FilterDesigner::revalidate() {
    if (loading_) return;
    empty_hint_->setVisible(editors_.empty());
    tabs_->setVisible(!editors_.empty());

    // The recipe as typed: a field that is not a number reads as NaN and is reported once, as such.
    recipe::FilterRecipe r;
    std::vector<Error> unreadable;
    if (!rate_->isEmpty()) {
        r.sample_rate_hz = rate_->hz().value_or(std::nan(""));
        if (!rate_->hz()) unreadable.push_back(not_a_number(Field{{}, "sample_rate_hz", {}}));
    }
    for (std::size_t i = 0; i < editors_.size(); ++i) {
        r.filters.push_back(editors_[i]->spec());
        for (auto e : editors_[i]->numberProblems()) {
            e.field->filter = i;
            unreadable.push_back(std::move(e));
        }
    }
    if (threshold_on_->isChecked()) {
        const auto t = parse_number(threshold_->text());
        r.noise_threshold = t.value_or(std::nan(""));
        if (!t) unreadable.push_back(not_a_number(Field{{}, "noise_threshold", {}}));
    }
    const bool empty = r.filters.empty() && !r.noise_threshold;
    stage1_ = std::move(unreadable);
    for (auto& e : recipe::recipe_problems(r)) {
        // An empty recipe is fine here (the preview shows the raw signal): its one fieldless problem goes.
        if (!e.field && empty) continue;
        const bool reported =
            std::ranges::any_of(stage1_, [&](const Error& u) { return u.field == e.field; });
        if (!reported) stage1_.push_back(std::move(e));
    }
    std::ranges::stable_sort(stage1_, {}, position);
    if (!stage1_.empty()) stage2_.clear(); // stage 2 speaks only of a recipe that passed stage 1
    drop_negative_zeros(r);
    recipe_ = r;
    if (!stage1_.empty()) recipe_ = fail(ErrorKind::bad_input, describe(stage1_.front()).toStdString());

    const auto rate = rate_->hz();
    const bool other_rate = file_rate_ && usable_rate(rate) && *rate != *file_rate_;
    use_file_rate_->setText(file_rate_ ? tr("Use the file's rate (%1)").arg(rate_text(*file_rate_))
                                       : QString());
    use_file_rate_->setVisible(other_rate);
    showProblems();
    emit recipeChanged();
}

void FilterDesigner::showDatasetProblems(std::vector<Error> problems) {
    if (!stage1_.empty()) problems.clear();
    std::ranges::stable_sort(problems, {}, position);
    // Every preview reports; the bar is rebuilt only when what it says changes (no flicker while typing).
    const auto same = [](const Error& a, const Error& b) {
        return a.message == b.message && a.field == b.field;
    };
    if (std::ranges::equal(problems, stage2_, same)) return;
    stage2_ = std::move(problems);
    showProblems();
}

void FilterDesigner::showProblems() {
    problems_ = stage1_;
    problems_.insert(problems_.end(), stage2_.begin(), stage2_.end());

    bar_->clear();
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    std::vector<QStringList> per_filter(editors_.size());
    for (const auto& e : problems_) {
        bar_->addItem(new QListWidgetItem(warning, describe(e)));
        if (e.field && e.field->filter && *e.field->filter < editors_.size())
            per_filter[*e.field->filter] << QString::fromStdString(e.message);
    }
    for (std::size_t i = 0; i < editors_.size(); ++i) {
        editors_[i]->setMessage(per_filter[i].join(QLatin1Char('\n')));
        tabs_->setTabIcon(static_cast<int>(i), per_filter[i].isEmpty() ? QIcon() : warning);
    }
    bar_->setVisible(!problems_.empty());
    layoutBar();

    QString first;
    if (!problems_.empty()) {
        first = describe(problems_.front());
        if (problems_.size() > 1)
            first += tr(" (and %n more in the designer)", nullptr, static_cast<int>(problems_.size() - 1));
    }
    if (first != problem_) {
        problem_ = first;
        emit problemChanged(problem_);
    }
}

// Word-wrapped entries of their own height, and a bar as tall as its entries up to a third of the panel.
void FilterDesigner::layoutBar() {
    if (bar_->count() == 0) return;
    const int width = std::max(80, bar_->viewport()->width() - bar_->iconSize().width() - 16);
    int total = 0;
    for (int i = 0; i < bar_->count(); ++i) {
        QListWidgetItem* item = bar_->item(i);
        const QRect text =
            bar_->fontMetrics().boundingRect(QRect(0, 0, width, 10000), Qt::TextWordWrap, item->text());
        const int h = std::max(text.height(), bar_->iconSize().height()) + 6;
        item->setSizeHint(QSize(width, h));
        total += h;
    }
    const int cap = std::max(3 * bar_->fontMetrics().height(), height() / 3);
    bar_->setFixedHeight(std::min(total, cap) + 2 * bar_->frameWidth() + 2);
}

bool FilterDesigner::eventFilter(QObject* watched, QEvent* event) {
    if (watched == bar_->viewport() && event->type() == QEvent::Resize) {
        const auto* resize = static_cast<QResizeEvent*>(event);
        if (resize->size().width() != resize->oldSize().width()) layoutBar();
    }
    return QWidget::eventFilter(watched, event);
}

QString FilterDesigner::problem() const {
    return problem_;
}

QString FilterDesigner::describe(const Error& e) const {
    const QString message = QString::fromStdString(e.message);
    if (!e.field) return message;
    const Field& f = *e.field;
    if (f.filter && *f.filter < editors_.size()) {
        const FilterEditor* editor = editors_[*f.filter];
        const QString where =
            QStringLiteral("%1 %2").arg(FilterEditor::shortName(editor->kind())).arg(*f.filter + 1);
        return QStringLiteral("%1 · %2: %3").arg(where, editor->fieldLabel(f.key, f.element), message);
    }
    if (f.key == "sample_rate_hz") return tr("Sample rate: %1").arg(message);
    if (f.key == "noise_threshold") return tr("Noise threshold: %1").arg(message);
    return message;
}

QWidget* FilterDesigner::fieldWidget(const Field& field) const {
    if (field.filter)
        return *field.filter < editors_.size()
                   ? editors_[*field.filter]->fieldWidget(field.key, field.element)
                   : nullptr;
    if (field.key == "sample_rate_hz") return rate_->lineEdit();
    if (field.key == "noise_threshold")
        return threshold_on_->isChecked() ? static_cast<QWidget*>(threshold_) : threshold_on_;
    return nullptr;
}

void FilterDesigner::goToProblem(int i) {
    if (i < 0 || static_cast<std::size_t>(i) >= problems_.size() ||
        !problems_[static_cast<std::size_t>(i)].field)
        return;
    const Field field = *problems_[static_cast<std::size_t>(i)].field;
    QWidget* widget = fieldWidget(field);
    if (!widget) return;
    QScrollArea* scroll = nullptr;
    if (field.filter) {
        const int tab = static_cast<int>(*field.filter);
        tabs_->setCurrentIndex(tab);
        scroll = qobject_cast<QScrollArea*>(tabs_->widget(tab));
    }
    widget->setFocus(Qt::OtherFocusReason);
    if (auto* edit = qobject_cast<QLineEdit*>(widget)) edit->selectAll();
    if (auto* spin = qobject_cast<QAbstractSpinBox*>(widget)) spin->selectAll();
    if (scroll) {
        scroll->ensureWidgetVisible(widget);
        // A tab shown just now lays out on the next turn of the event loop: scroll again then.
        QTimer::singleShot(0, scroll, [scroll, widget = QPointer<QWidget>(widget)] {
            if (widget) scroll->ensureWidgetVisible(widget);
        });
    }
}

} // namespace sluice::gui
