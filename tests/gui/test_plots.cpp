// The plots' way out of the app and their comparison view, on a synth file in the real main window: image
// export (PNG, SVG, PDF of the requested size, with the curves drawn), the plotted series as CSV on the
// clipboard, and pinned pixels drawn next to the current one with the same filter as shared/signal.
#include "app/main_window.hpp"
#include "app/pinned_pixels.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "recipe/recipe.hpp"
#include "signal/row_filter.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/pixel_chooser.hpp"
#include "widgets/plot_panel.hpp"

#include <QClipboard>
#include <QFile>
#include <QMenu>
#include <QSvgRenderer>
#include <QtTest>
#include <qcustomplot.h>

using namespace sluice;
using namespace sluice::gui;

namespace {

constexpr int kRows = 8;
constexpr int kPoints = 1000;
constexpr double kRate = 1e6;

const char* const kRecipe = R"({"format": "sluice-recipe", "version": 1,
  "filters": [{"type": "low_pass", "cutoff_hz": 150000, "roll_off": 0.05},
              {"type": "noise_band", "freqs_hz": [120000], "widths_hz": [10000]}],
  "noise_threshold": 0.001})";

std::vector<double> keys_of(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.push_back(it->key);
    return out;
}

std::vector<double> values_of(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.push_back(it->value);
    return out;
}

/// Pixels of an image close to `colour` (antialiasing blends the edges of a line).
int pixels_near(const QImage& image, QColor colour) {
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) +
                    std::abs(c.blue() - colour.blue()) <
                30)
                ++n;
        }
    return n;
}

QMenu* open_context_menu(QCustomPlot* plot) {
    emit plot->customContextMenuRequested(QPoint(20, 20));
    return qobject_cast<QMenu*>(QApplication::activePopupWidget());
}

QAction* action_named(QMenu* menu, const QString& text) {
    for (QAction* a : menu->actions())
        if (a->text() == text) return a;
    return nullptr;
}

} // namespace

class TestPlots : public QObject {
    Q_OBJECT
    test::TempDir dir_;
    std::filesystem::path synth_;
    std::vector<double> data_;

    void openWithRecipe(MainWindow& w, const recipe::FilterRecipe& recipe) {
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.openFile(test::q(synth_));
        QTRY_COMPARE(w.currentDataset(), test::kRawData);
        w.designer()->setRecipe(recipe);
        QTRY_VERIFY(w.shownPreview() && !w.shownPreview()->filtered.empty());
        QTRY_VERIFY(!w.busy());
    }

    /// The filtered row straight through shared/signal.
    std::vector<double> expected_filtered(const recipe::FilterRecipe& recipe, std::size_t row) {
        const std::vector<double> in(data_.begin() + static_cast<std::ptrdiff_t>(row * kPoints),
                                     data_.begin() + static_cast<std::ptrdiff_t>((row + 1) * kPoints));
        auto composite = recipe::validate_for_dataset(recipe, kPoints, kRate);
        auto filter = signal::RowFilter::create(kPoints, *composite, recipe.noise_threshold);
        std::vector<double> out(kPoints);
        filter->filter(in, out);
        return out;
    }

private slots:
    void init() { QSettings().clear(); }

    void initTestCase() {
        synth_ = dir_ / "synth.h5";
        const auto run = test::synth(synth_, kRows, kPoints, kRate);
        QVERIFY2(run.exit_code == 0, qPrintable(run.err));
        data_ = test::read_f64(synth_, test::kRawData.toStdString());
        QCOMPARE(data_.size(), std::size_t{kRows * kPoints});
    }

    void exportsImagesOfTheRequestedSize() {
        MainWindow w;
        openWithRecipe(w, *recipe::parse_recipe(kRecipe));
        PlotPanel* plots = w.plots();
        const QSize size(640, 400);
        const QColor filtered_colour = plots->filteredGraph()->pen().color();

        const QString png = test::q(dir_ / "time.png");
        auto ok = plots->exportImage(plots->timePlot(), png, size);
        QVERIFY2(ok.has_value(), ok ? "" : ok.error().message.c_str());
        QFile png_file(png);
        QVERIFY(png_file.open(QIODevice::ReadOnly));
        QCOMPARE(png_file.read(8), QByteArray("\x89PNG\r\n\x1a\n", 8));
        const QImage image(png);
        QCOMPARE(image.size(), size);
        QVERIFY(pixels_near(image, filtered_colour) > 200); // the filtered curve is in it

        const QString svg = test::q(dir_ / "spectrum.svg");
        ok = plots->exportImage(plots->spectrumPlot(), svg, size);
        QVERIFY2(ok.has_value(), ok ? "" : ok.error().message.c_str());
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBoxF(), QRectF(QPointF(0, 0), size)); // its width and height are in mm
        QImage drawn(size, QImage::Format_ARGB32);
        drawn.fill(Qt::white);
        QPainter painter(&drawn);
        renderer.render(&painter);
        painter.end();
        QVERIFY(pixels_near(drawn, plots->maskGraph()->pen().color()) > 100); // the mask is drawn

        const QString pdf = test::q(dir_ / "time.pdf");
        ok = plots->exportImage(plots->timePlot(), pdf, size);
        QVERIFY2(ok.has_value(), ok ? "" : ok.error().message.c_str());
        QFile pdf_file(pdf);
        QVERIFY(pdf_file.open(QIODevice::ReadOnly));
        const QByteArray bytes = pdf_file.readAll();
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.trimmed().endsWith("%%EOF"));
        QVERIFY(bytes.contains("/MediaBox [0 0 640.000000 400.000000]")); // one page of the requested size

        const auto refused = plots->exportImage(plots->timePlot(), test::q(dir_ / "time.bmp"), size);
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().message.find(".png, .svg or .pdf") != std::string::npos);
        QVERIFY(!QFile::exists(test::q(dir_ / "time.bmp")));
    }

    void copiesThePlottedSeriesAsCsv() {
        MainWindow w;
        openWithRecipe(w, *recipe::parse_recipe(kRecipe));
        PlotPanel* plots = w.plots();

        QMenu* menu = open_context_menu(plots->timePlot());
        QVERIFY(menu);
        QAction* copy = action_named(menu, QStringLiteral("Copy Data as CSV"));
        QVERIFY(copy);
        copy->trigger();
        menu->close();
        QStringList lines = QGuiApplication::clipboard()->text().split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), kPoints + 1);
        QCOMPARE(lines.front(), QStringLiteral("Time (ms),Raw,Filtered"));
        const auto keys = keys_of(plots->rawGraph());
        const auto raw = values_of(plots->rawGraph());
        const auto filtered = values_of(plots->filteredGraph());
        QCOMPARE(filtered, expected_filtered(*w.designer()->recipe(), 0));
        for (int i = 0; i < kPoints; ++i) {
            const QStringList cells = lines[i + 1].split(u',');
            QCOMPARE(cells.size(), 3);
            QCOMPARE(cells[0].toDouble(), keys[static_cast<std::size_t>(i)]);
            QCOMPARE(cells[1].toDouble(), raw[static_cast<std::size_t>(i)]);
            QCOMPARE(cells[2].toDouble(), filtered[static_cast<std::size_t>(i)]);
        }

        // The spectrum: magnitude and mask per frequency, and the noise floor as a constant column.
        plots->copyCsv(plots->spectrumPlot());
        lines = QGuiApplication::clipboard()->text().split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), kPoints + 1);
        QCOMPARE(lines.front(), QStringLiteral("Frequency (kHz),Spectrum,Composite mask,Noise floor"));
        const auto& shown = *w.shownPreview();
        QVERIFY(shown.noise_floor.has_value());
        for (int i = 0; i < kPoints; ++i) {
            const QStringList cells = lines[i + 1].split(u',');
            QCOMPARE(cells.size(), 4);
            const auto at = static_cast<std::size_t>(i);
            QCOMPARE(cells[0].toDouble(), shifted_bin_frequency(at, kPoints, kRate) / 1e3);
            QCOMPARE(cells[1].toDouble(), shown.spectrum[at]);
            QCOMPARE(cells[2].toDouble(), double{shown.composite[at]});
            QCOMPARE(cells[3].toDouble(), *shown.noise_floor);
        }
    }

    // Pinning the current pixel puts its pinned curve exactly on the current filtered curve: the current
    // one must still be seen whole (drawn on top), and in a colour of its own.
    void pinnedPixelsNeverHideTheCurrentOne() {
        MainWindow w;
        openWithRecipe(w, *recipe::parse_recipe(kRecipe));
        PlotPanel* plots = w.plots();
        const QColor current = plots->filteredGraph()->pen().color();
        const auto visible = [&] {
            return pixels_near(plots->timePlot()->toPixmap(800, 500).toImage(), current);
        };
        const int alone = visible();
        QVERIFY(alone > 200);

        QTest::keyClick(&w, Qt::Key_P, Qt::ControlModifier);
        QTRY_COMPARE(plots->pinnedTimeGraphs().size(), std::size_t{1});
        QCOMPARE(values_of(plots->pinnedTimeGraphs()[0]), values_of(plots->filteredGraph()));
        const int pinned = visible();
        // The legend grows by one row and covers a little of the curve; a pin on top would cover nearly all.
        QVERIFY2(pinned > alone * 9 / 10,
                 qPrintable(QStringLiteral("%1 of %2 pixels left").arg(pinned).arg(alone)));

        const QColor pin = plots->pinnedTimeGraphs()[0]->pen().color();
        for (const QCPGraph* g : {plots->rawGraph(), plots->filteredGraph(), plots->spectrumGraph(),
                                  plots->maskGraph(), plots->noiseFloorGraph()})
            QVERIFY(g->pen().color() != pin);
        QCOMPARE(plots->pinnedSpectrumGraphs()[0]->pen().color(), pin);
    }

    void pinnedPixelsAreShownTogether() {
        MainWindow w;
        recipe::FilterRecipe recipe = *recipe::parse_recipe(kRecipe);
        openWithRecipe(w, recipe);
        PlotPanel* plots = w.plots();
        const int time_graphs = plots->timePlot()->graphCount();
        const int spectrum_graphs = plots->spectrumPlot()->graphCount();

        // Pin rows 0, 2, 3, 5 and 6 with the keyboard: at most four stay, the oldest goes.
        for (const std::uint64_t row : {0, 2, 3, 5, 6}) {
            w.pixelChooser()->setRow(row);
            QTRY_VERIFY(!w.busy());
            QTRY_COMPARE(w.shownPreview()->row_index, row);
            QTest::keyClick(&w, Qt::Key_P, Qt::ControlModifier);
        }
        w.pixelChooser()->setRow(7);
        QTRY_VERIFY(!w.busy());
        QCOMPARE(w.pinnedPixels()->size(), PinnedPixels::kMaxPins);
        QTRY_COMPARE(plots->pinnedTimeGraphs().size(), std::size_t{4});
        QCOMPARE(plots->pinnedSpectrumGraphs().size(), std::size_t{4});
        const std::vector<std::uint64_t> pinned{2, 3, 5, 6};
        for (std::size_t i = 0; i < pinned.size(); ++i) {
            QVERIFY2(plots->pinnedTimeGraphs()[i]->name().startsWith(
                         QStringLiteral("Pinned: row %1 (").arg(pinned[i])),
                     qPrintable(plots->pinnedTimeGraphs()[i]->name()));
            QCOMPARE(values_of(plots->pinnedTimeGraphs()[i]), expected_filtered(recipe, pinned[i]));
            QCOMPARE(keys_of(plots->pinnedTimeGraphs()[i]), keys_of(plots->rawGraph()));
        }
        QCOMPARE(values_of(plots->filteredGraph()), expected_filtered(recipe, 7)); // the current pixel

        // A new recipe re-previews every pin.
        std::get<signal::LowPass>(recipe.filters[0]).cutoff_hz = 60e3;
        w.designer()->setRecipe(recipe);
        QTRY_VERIFY(!w.busy());
        QTRY_COMPARE(values_of(plots->pinnedTimeGraphs()[0]), expected_filtered(recipe, 2));
        QCOMPARE(values_of(plots->pinnedTimeGraphs()[3]), expected_filtered(recipe, 6));

        // Their series are part of the CSV too.
        plots->copyCsv(plots->timePlot());
        const QString header = QGuiApplication::clipboard()->text().section(u'\n', 0, 0);
        QVERIFY2(header.startsWith(QStringLiteral("Time (ms),Raw,Filtered,\"Pinned: row 2 (")),
                 qPrintable(header));
        QCOMPARE(header.count(QStringLiteral("Pinned: ")), 4);

        // Unpin from the context menu.
        QMenu* menu = open_context_menu(plots->spectrumPlot());
        QVERIFY(menu);
        QAction* unpin = action_named(menu, QStringLiteral("Unpin All"));
        QVERIFY(unpin && unpin->isEnabled());
        unpin->trigger();
        menu->close();
        QCOMPARE(w.pinnedPixels()->size(), std::size_t{0});
        QVERIFY(plots->pinnedTimeGraphs().empty());
        QCOMPARE(plots->timePlot()->graphCount(), time_graphs); // the pins' graphs are gone
        QCOMPARE(plots->spectrumPlot()->graphCount(), spectrum_graphs);
    }
};

SLUICE_GUI_TEST_MAIN(TestPlots)
#include "test_plots.moc"
