#pragma once
// The preview plots: the pixel's time signal (raw, with the filtered signal over it) and its spectrum
// (log magnitude over frequency, composite mask on a second axis, noise floor as a line), with up to four
// pinned pixels drawn beneath them in their own colours (the current pixel always on top). Mouse wheel zooms,
// dragging pans, double-click resets the view; the context menu exports an image, copies the data as CSV and
// pins the pixel.
#include "services/preview.hpp"
#include "util/error.hpp"

#include <QSize>
#include <QWidget>
#include <memory>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPTextElement;

namespace sluice::gui {

/// A pixel kept for comparison and its preview.
struct PinnedPreview {
    QString label; ///< as the pixel chooser describes it
    std::shared_ptr<const PreviewResult> result;
};

/// A display unit for an axis: values are multiplied by scale.
struct AxisUnit {
    double scale = 1;
    QString name;
};
[[nodiscard]] AxisUnit time_unit(double duration_s);
[[nodiscard]] AxisUnit frequency_unit(double max_hz);

class PlotPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotPanel(QWidget* parent = nullptr);

    /// A new dataset: its quantity and units label the signal axis, and the next preview rescales.
    void setDataset(const QString& quantity, const QString& units);
    void showPreview(const PreviewResult& result, const QString& pixel);
    /// No data: empty plots with a hint.
    void clear(const QString& hint);
    void resetZoom();
    /// Replace the pinned pixels' curves: each one's filtered signal (raw without a recipe) and spectrum.
    void showPinned(const std::vector<PinnedPreview>& pins);

    /// Write one plot as PNG/SVG/PDF (by suffix); an empty size means the plot's size on screen.
    [[nodiscard]] Status exportImage(QCustomPlot* plot, const QString& path, QSize size = {});
    /// Put the plot's series on the clipboard as CSV (see plot_csv).
    void copyCsv(QCustomPlot* plot);

    [[nodiscard]] QCustomPlot* timePlot() const { return time_; }
    [[nodiscard]] QCustomPlot* spectrumPlot() const { return spectrum_; }
    [[nodiscard]] QCPGraph* rawGraph() const { return raw_; }
    [[nodiscard]] QCPGraph* filteredGraph() const { return filtered_; }
    [[nodiscard]] QCPGraph* spectrumGraph() const { return magnitude_; }
    [[nodiscard]] QCPGraph* maskGraph() const { return mask_; }
    [[nodiscard]] QCPGraph* noiseFloorGraph() const { return floor_; }
    /// In a comparison: the spectrum of the result's stored row.
    [[nodiscard]] QCPGraph* storedSpectrumGraph() const { return stored_spectrum_; }
    /// The pinned pixels' curves, in pin order.
    [[nodiscard]] const std::vector<QCPGraph*>& pinnedTimeGraphs() const { return pinned_time_; }
    [[nodiscard]] const std::vector<QCPGraph*>& pinnedSpectrumGraphs() const { return pinned_spectrum_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

signals:
    void pinRequested();
    void unpinAllRequested();

private:
    void showContextMenu(QCustomPlot* plot, const QPoint& at);
    void promptExport(QCustomPlot* plot);

    QCustomPlot* time_;
    QCustomPlot* spectrum_;
    QCPTextElement* time_title_;
    QCPTextElement* spectrum_title_;
    QCPGraph* raw_;
    QCPGraph* filtered_;
    QCPGraph* magnitude_;
    QCPGraph* mask_;
    QCPGraph* floor_;
    QCPGraph* stored_spectrum_;
    std::vector<QCPGraph*> pinned_time_;
    std::vector<QCPGraph*> pinned_spectrum_;
    QString signal_label_;
    bool rescale_ = true;
};

} // namespace sluice::gui
