#include "widgets/plot_panel.hpp"

#include "widgets/plot_export.hpp"

#include <QClipboard>
#include <QFileDialog>
#include <QGuiApplication>
#include <QMenu>
#include <QMessageBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <array>
#include <qcustomplot.h>

namespace sluice::gui {
namespace {

QCPTextElement* add_title(QCustomPlot* plot) {
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, QString(), QFont(plot->font().family(), -1, QFont::DemiBold));
    // A long title ("Time signal, row 12 (x = 3, y = 1) (unfiltered)") must not make the plot, and so
    // the window's centre, as wide as the text: it is elided to the plot's width instead (set_title).
    title->setMinimumSize(1, 0);
    plot->plotLayout()->addElement(0, 0, title);
    return title;
}

constexpr const char* kFullTitle = "sluiceFullTitle";

void elide_title(QCustomPlot* plot, QCPTextElement* title) {
    const QString full = title->property(kFullTitle).toString();
    const QFontMetrics metrics(title->font());
    title->setText(metrics.elidedText(full, Qt::ElideRight, std::max(40, plot->width() - 12)));
}

void set_title(QCustomPlot* plot, QCPTextElement* title, const QString& text) {
    title->setProperty(kFullTitle, text);
    elide_title(plot, title);
}

void make_interactive(QCustomPlot* plot) {
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setNoAntialiasingOnDrag(true);
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), 8));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

QVector<double> scaled_indices(std::size_t n, double step) {
    QVector<double> keys(static_cast<qsizetype>(n));
    for (std::size_t i = 0; i < n; ++i)
        keys[static_cast<qsizetype>(i)] = static_cast<double>(i) * step;
    return keys;
}

// fs = 0 means no usable sample rate: sample numbers and cycles per sample instead of time and Hz.
QVector<double> time_keys(std::size_t n, double fs) {
    if (fs <= 0) return scaled_indices(n, 1);
    return scaled_indices(n, time_unit(static_cast<double>(n) / fs).scale / fs);
}

QVector<double> frequency_keys(std::size_t n, double fs) {
    const double rate = fs > 0 ? fs : 1.0;
    const double scale = fs > 0 ? frequency_unit(fs / 2).scale : 1.0;
    QVector<double> f(static_cast<qsizetype>(n));
    for (std::size_t i = 0; i < n; ++i)
        f[static_cast<qsizetype>(i)] = shifted_bin_frequency(i, n, rate) * scale;
    return f;
}

// Tableau colours that stand apart from the current pixel's grey, blue, orange and red, drawn lighter
// and on a layer below the current pixel's curves so that a pin never hides the pixel being designed for.
constexpr std::array<QRgb, 4> kPinColours = {0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2};
const QString kPinnedLayer = QStringLiteral("pinned");

} // namespace

AxisUnit time_unit(double duration_s) {
    if (duration_s < 1e-3) return {1e6, QStringLiteral("µs")};
    if (duration_s < 1) return {1e3, QStringLiteral("ms")};
    return {1, QStringLiteral("s")};
}

AxisUnit frequency_unit(double max_hz) {
    if (max_hz >= 1e6) return {1e-6, QStringLiteral("MHz")};
    if (max_hz >= 1e3) return {1e-3, QStringLiteral("kHz")};
    return {1, QStringLiteral("Hz")};
}

PlotPanel::PlotPanel(QWidget* parent) : QWidget(parent), time_(new QCustomPlot), spectrum_(new QCustomPlot) {
    time_->setObjectName(QStringLiteral("time_plot"));
    spectrum_->setObjectName(QStringLiteral("spectrum_plot"));
    time_title_ = add_title(time_);
    spectrum_title_ = add_title(spectrum_);
    make_interactive(time_);
    make_interactive(spectrum_);
    for (auto* plot : {time_, spectrum_}) {
        plot->addLayer(kPinnedLayer, plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);
        plot->installEventFilter(this);
    }

    raw_ = time_->addGraph();
    raw_->setName(tr("Raw"));
    raw_->setPen(QPen(QColor(150, 150, 150), 1));
    filtered_ = time_->addGraph();
    filtered_->setName(tr("Filtered"));
    filtered_->setPen(QPen(QColor(31, 119, 180), 1));

    spectrum_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    spectrum_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    spectrum_->yAxis->setNumberFormat(QStringLiteral("eb"));
    spectrum_->yAxis->setNumberPrecision(0);
    spectrum_->yAxis->setLabel(tr("|FFT| (magnitude)"));
    spectrum_->yAxis2->setVisible(true);
    spectrum_->yAxis2->setLabel(tr("Mask"));
    spectrum_->yAxis2->setRange(0, 1.05);
    spectrum_->axisRect()->setRangeDragAxes(spectrum_->xAxis, spectrum_->yAxis);
    spectrum_->axisRect()->setRangeZoomAxes(spectrum_->xAxis, spectrum_->yAxis);
    magnitude_ = spectrum_->addGraph();
    magnitude_->setName(tr("Spectrum"));
    magnitude_->setPen(QPen(QColor(60, 60, 60), 1));
    floor_ = spectrum_->addGraph();
    floor_->setName(tr("Noise floor"));
    floor_->setPen(QPen(QColor(214, 39, 40), 1.5, Qt::DashLine));
    stored_spectrum_ = spectrum_->addGraph();
    stored_spectrum_->setName(tr("Spectrum of Filtered_Data (result)"));
    stored_spectrum_->setPen(QPen(QColor(31, 119, 180), 1));
    stored_spectrum_->setVisible(false);
    stored_spectrum_->removeFromLegend();
    mask_ = spectrum_->addGraph(spectrum_->xAxis, spectrum_->yAxis2);
    mask_->setName(tr("Composite mask"));
    mask_->setPen(QPen(QColor(255, 127, 14), 1));
    mask_->setBrush(QColor(255, 127, 14, 40));
    // Curves of thousands of points are tens of points per pixel column, so antialiasing them changes
    // little that is visible but cost 8 of a 16k-point replot's 13 ms (bench_preview). Text, axes and the
    // noise floor keep it.
    for (auto* g : {raw_, filtered_, magnitude_, mask_, stored_spectrum_})
        g->setAntialiased(false);
    mask_->setAntialiasedFill(false);

    for (auto* plot : {time_, spectrum_}) {
        connect(plot, &QCustomPlot::mouseDoubleClick, this, &PlotPanel::resetZoom);
        plot->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(plot, &QWidget::customContextMenuRequested, this,
                [this, plot](const QPoint& at) { showContextMenu(plot, at); });
    }

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(time_);
    splitter->addWidget(spectrum_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    clear(tr("Open an h5USID file and select a Main dataset to preview it."));
}

void PlotPanel::setDataset(const QString& quantity, const QString& units) {
    signal_label_ = units.isEmpty() ? quantity : QStringLiteral("%1 (%2)").arg(quantity, units);
    rescale_ = true;
}

void PlotPanel::clear(const QString& hint) {
    for (auto* g : {raw_, filtered_, magnitude_, mask_, floor_, stored_spectrum_})
        g->data()->clear();
    set_title(time_, time_title_, hint);
    set_title(spectrum_, spectrum_title_, QString());
    rescale_ = true;
    time_->replot();
    spectrum_->replot();
}

void PlotPanel::showPreview(const PreviewResult& result, const QString& pixel) {
    const auto& raw = *result.raw;
    const std::size_t n = raw.size();
    const double fs = result.sample_rate_hz;
    const AxisUnit tu = fs > 0 ? time_unit(static_cast<double>(n) / fs) : AxisUnit{};
    const AxisUnit fu = fs > 0 ? frequency_unit(fs / 2) : AxisUnit{};

    const QVector<double> t = time_keys(n, fs);
    // A comparison says where each curve comes from; a preview computes its filtered curve.
    raw_->setName(result.stored ? tr("Raw (source)") : tr("Raw"));
    filtered_->setName(result.stored ? tr("Filtered_Data (result file)") : tr("Filtered"));
    floor_->setName(result.stored ? tr("Stored noise floor") : tr("Noise floor"));
    raw_->setData(t, QVector<double>(raw.begin(), raw.end()), true);
    if (result.filtered.empty())
        filtered_->data()->clear(); // QCustomPlot complains about keys without values
    else
        filtered_->setData(t, QVector<double>(result.filtered.begin(), result.filtered.end()), true);
    filtered_->setVisible(!result.filtered.empty());
    filtered_->addToLegend();
    if (result.filtered.empty()) filtered_->removeFromLegend();
    time_->xAxis->setLabel(fs > 0 ? tr("Time (%1)").arg(tu.name) : tr("Sample"));
    time_->yAxis->setLabel(signal_label_);
    // "(unfiltered)" only when a recipe could not be applied; an empty recipe is simply the raw view.
    set_title(time_, time_title_,
              result.stored             ? tr("Time signal, %1: source and result").arg(pixel)
              : result.problems.empty() ? tr("Time signal, %1").arg(pixel)
                                        : tr("Time signal, %1 (unfiltered)").arg(pixel));

    const QVector<double> f = frequency_keys(n, fs);
    magnitude_->setData(f, QVector<double>(result.spectrum.begin(), result.spectrum.end()), true);
    if (result.filtered_spectrum.empty()) {
        stored_spectrum_->data()->clear();
        stored_spectrum_->removeFromLegend();
    } else {
        stored_spectrum_->setData(
            f, QVector<double>(result.filtered_spectrum.begin(), result.filtered_spectrum.end()), true);
        stored_spectrum_->addToLegend();
    }
    stored_spectrum_->setVisible(!result.filtered_spectrum.empty());
    if (result.composite.empty())
        mask_->data()->clear();
    else
        mask_->setData(f, QVector<double>(result.composite.begin(), result.composite.end()), true);
    mask_->setVisible(!result.composite.empty());
    if (result.noise_floor && *result.noise_floor > 0) {
        floor_->setData(QVector<double>{f.front(), f.back()}, QVector<double>(2, *result.noise_floor), true);
        floor_->setVisible(true);
    } else {
        floor_->data()->clear();
        floor_->setVisible(false);
    }
    spectrum_->xAxis->setLabel(fs > 0 ? tr("Frequency (%1)").arg(fu.name) : tr("Frequency (cycles/sample)"));
    set_title(spectrum_, spectrum_title_, tr("Spectrum, %1").arg(pixel));

    if (rescale_) {
        resetZoom();
        rescale_ = false;
    } else {
        time_->replot();
        spectrum_->replot();
    }
}

void PlotPanel::showPinned(const std::vector<PinnedPreview>& pins) {
    for (auto* g : pinned_time_)
        time_->removeGraph(g);
    for (auto* g : pinned_spectrum_)
        spectrum_->removeGraph(g);
    pinned_time_.clear();
    pinned_spectrum_.clear();
    for (std::size_t i = 0; i < pins.size(); ++i) {
        const PreviewResult& r = *pins[i].result;
        const std::vector<double>& signal = r.filtered.empty() ? *r.raw : r.filtered;
        const QPen pen(QColor(kPinColours[i % kPinColours.size()]), 1);
        auto* t = time_->addGraph();
        t->setLayer(kPinnedLayer);
        t->setName(tr("Pinned: %1").arg(pins[i].label));
        t->setPen(pen);
        t->setAntialiased(false);
        t->setData(time_keys(signal.size(), r.sample_rate_hz), QVector<double>(signal.begin(), signal.end()),
                   true);
        pinned_time_.push_back(t);
        auto* s = spectrum_->addGraph();
        s->setLayer(kPinnedLayer);
        s->setName(tr("Pinned: %1").arg(pins[i].label));
        s->setPen(pen);
        s->setAntialiased(false);
        s->setData(frequency_keys(r.spectrum.size(), r.sample_rate_hz),
                   QVector<double>(r.spectrum.begin(), r.spectrum.end()), true);
        pinned_spectrum_.push_back(s);
    }
    time_->replot();
    spectrum_->replot();
}

bool PlotPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Resize) {
        if (watched == time_) elide_title(time_, time_title_);
        if (watched == spectrum_) elide_title(spectrum_, spectrum_title_);
    }
    return QWidget::eventFilter(watched, event);
}

Status PlotPanel::exportImage(QCustomPlot* plot, const QString& path, QSize size) {
    return save_plot_image(*plot, path, size.isEmpty() ? plot->size() : size);
}

void PlotPanel::copyCsv(QCustomPlot* plot) {
    QGuiApplication::clipboard()->setText(plot_csv(*plot));
}

void PlotPanel::showContextMenu(QCustomPlot* plot, const QPoint& at) {
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Export Image…"), this, [this, plot] { promptExport(plot); });
    menu->addAction(tr("Copy Data as CSV"), this, [this, plot] { copyCsv(plot); });
    menu->addSeparator();
    menu->addAction(tr("Pin This Pixel"), this, &PlotPanel::pinRequested);
    menu->addAction(tr("Unpin All"), this, &PlotPanel::unpinAllRequested)->setEnabled(!pinned_time_.empty());
    menu->addAction(tr("Reset Zoom"), this, &PlotPanel::resetZoom);
    menu->popup(plot->mapToGlobal(at));
}

void PlotPanel::promptExport(QCustomPlot* plot) {
    QString selected;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Image"), QStringLiteral("plot.png"),
        tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"), &selected);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) // take the suffix from the chosen filter
        path += selected.contains(QStringLiteral("svg"))   ? QStringLiteral(".svg")
                : selected.contains(QStringLiteral("pdf")) ? QStringLiteral(".pdf")
                                                           : QStringLiteral(".png");
    if (auto ok = exportImage(plot, path); !ok)
        QMessageBox::warning(this, tr("Export Image"), QString::fromStdString(ok.error().message));
}

void PlotPanel::resetZoom() {
    time_->rescaleAxes();
    spectrum_->xAxis->rescale();
    magnitude_->rescaleValueAxis(false, true);
    spectrum_->yAxis2->setRange(0, 1.05);
    time_->replot();
    spectrum_->replot();
}

} // namespace sluice::gui
