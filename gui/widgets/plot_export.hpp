#pragma once
// Getting a plot out of the app: an image file (PNG, SVG or PDF, chosen by the file's suffix) and the
// plotted series as CSV, exactly the numbers QCustomPlot draws.
#include "util/error.hpp"

#include <QSize>
#include <QString>

class QCustomPlot;

namespace sluice::gui {

/// Writes `plot` at `size` pixels (PNG) or points (SVG, PDF); the suffix of `path` picks the format.
[[nodiscard]] Status save_plot_image(QCustomPlot& plot, const QString& path, QSize size);

/// The visible graphs of `plot` as CSV: a header of the key axis label and the graph names, then one line per
/// key. Graphs that share the first graph's keys are columns; a two-point horizontal line (a level such as
/// the noise floor) becomes a constant column. Values keep all 17 significant digits.
[[nodiscard]] QString plot_csv(const QCustomPlot& plot);

} // namespace sluice::gui
