#pragma once
// The preview plots: the pixel's time signal (raw, with the filtered signal over it) and its spectrum
// (log magnitude over frequency, composite mask on a second axis, noise floor as a line). Mouse wheel
// zooms, dragging pans, double-click resets the view.
#include "services/preview.hpp"

#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPTextElement;

namespace sluice::gui {

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

    [[nodiscard]] QCustomPlot* timePlot() const { return time_; }
    [[nodiscard]] QCustomPlot* spectrumPlot() const { return spectrum_; }
    [[nodiscard]] QCPGraph* rawGraph() const { return raw_; }
    [[nodiscard]] QCPGraph* filteredGraph() const { return filtered_; }
    [[nodiscard]] QCPGraph* spectrumGraph() const { return magnitude_; }
    [[nodiscard]] QCPGraph* maskGraph() const { return mask_; }
    [[nodiscard]] QCPGraph* noiseFloorGraph() const { return floor_; }

private:
    QCustomPlot* time_;
    QCustomPlot* spectrum_;
    QCPTextElement* time_title_;
    QCPTextElement* spectrum_title_;
    QCPGraph* raw_;
    QCPGraph* filtered_;
    QCPGraph* magnitude_;
    QCPGraph* mask_;
    QCPGraph* floor_;
    QString signal_label_;
    bool rescale_ = true;
};

} // namespace sluice::gui
