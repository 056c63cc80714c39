// The filter designer in the real main window: an invalid recipe never blanks the data (the raw row and
// its spectrum stay drawn, exactly as shared/signal computes them), every problem is listed in the bar
// at the top and leads to its field, Run and Submit are disabled with the same reason, a recipe rate
// other than the file's offers the file's, three filters fit a 1024×700 window, and the layout resets.
#include "app/jobs_controller.hpp"
#include "app/main_window.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "recipe/recipe.hpp"
#include "services/preview.hpp"
#include "signal/row_filter.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/filter_editor.hpp"
#include "widgets/frequency_edit.hpp"
#include "widgets/plot_panel.hpp"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>
#include <qcustomplot.h>

using namespace sluice;
using namespace sluice::gui;

namespace {

constexpr int kRows = 4;
constexpr int kPoints = 1000;
constexpr double kRate = 1e6;
constexpr double kLowRate = 2e5;

std::vector<double> values_of(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.push_back(it->value);
    return out;
}

void replace_text(QLineEdit* edit, const QString& text) {
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

QAction* action_named(QWidget& w, const char* name) {
    return w.findChild<QAction*>(QLatin1String(name));
}

// The problem bar's entries as the user reads them.
QStringList entries(FilterDesigner* d) {
    QStringList out;
    for (int i = 0; i < d->problemBar()->count(); ++i)
        out << d->problemBar()->item(i)->text();
    return out;
}

} // namespace

class TestDesigner : public QObject {
    Q_OBJECT
    test::TempDir dir_;
    std::filesystem::path fast_; ///< 1 MHz
    std::filesystem::path slow_; ///< 200 kHz
    std::vector<double> row0_;

    void open(MainWindow& w, const std::filesystem::path& file) {
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.openFile(test::q(file));
        QTRY_COMPARE(w.currentDataset(), test::kRawData);
        QTRY_VERIFY(w.shownPreview() != nullptr);
        QTRY_VERIFY(!w.busy());
    }

    /// The raw row and its unfiltered spectrum, exactly as shared/signal computes them, are on the plots,
    /// and nothing filtered is.
    void verifyRawDrawn(MainWindow& w) {
        QTRY_VERIFY(!w.busy());
        QCOMPARE(values_of(w.plots()->rawGraph()), row0_);
        auto all_pass = signal::RowFilter::create(kPoints, std::vector<float>(kPoints, 1.0f), std::nullopt);
        QVERIFY(all_pass.has_value());
        std::vector<double> spectrum(kPoints);
        all_pass->magnitude_spectrum(row0_, spectrum);
        QCOMPARE(values_of(w.plots()->spectrumGraph()), spectrum);
        QVERIFY(w.plots()->filteredGraph()->data()->isEmpty());
        QVERIFY(w.plots()->maskGraph()->data()->isEmpty());
    }

    /// Run and Submit are off, and say the designer's problem.
    void verifyNotRunnable(MainWindow& w) {
        const QString problem = w.designer()->problem();
        QVERIFY(!problem.isEmpty());
        for (auto* a : {w.jobs()->runHereAction(), w.jobs()->submitAction()}) {
            QVERIFY(!a->isEnabled());
            QCOMPARE(a->toolTip(), problem);
        }
        QCOMPARE(action_named(w, "run_here"), w.jobs()->runHereAction());
    }

    FilterEditor* addFilter(MainWindow& w, int type) {
        auto* box = w.designer()->findChild<QComboBox*>("filter_type");
        box->setCurrentIndex(type);
        QTest::mouseClick(w.designer()->findChild<QPushButton*>("add_filter"), Qt::LeftButton);
        return w.designer()->editors().back();
    }

private slots:
    void init() { QSettings().clear(); }

    void initTestCase() {
        fast_ = dir_ / "fast.h5";
        slow_ = dir_ / "slow.h5";
        for (const auto& [file, rate] : {std::pair{fast_, kRate}, std::pair{slow_, kLowRate}}) {
            const auto run = test::synth(file, kRows, kPoints, rate);
            QVERIFY2(run.exit_code == 0, qPrintable(run.err));
        }
        const auto all = test::read_f64(fast_, test::kRawData.toStdString());
        row0_.assign(all.begin(), all.begin() + kPoints);
        // Both files hold the same rows (same seed): only their rates differ.
        QCOMPARE(test::read_f64(slow_, test::kRawData.toStdString()), all);
    }

    void invalidRecipesKeepTheRawDataDrawn() {
        MainWindow w;
        open(w, fast_);
        FilterEditor* low = addFilter(w, 0);
        auto* cutoff = low->findChild<QLineEdit*>("cutoff_hz");
        replace_text(cutoff, "100");
        QTRY_VERIFY(!w.busy());
        QVERIFY(!w.plots()->filteredGraph()->data()->isEmpty());
        QVERIFY(w.jobs()->runHereAction()->isEnabled());

        // Stage 1: a negative cut-off.
        replace_text(cutoff, "-5");
        QTRY_VERIFY(w.designer()->problemBar()->isVisible());
        QCOMPARE(entries(w.designer()).size(), 1);
        QVERIFY2(entries(w.designer()).front().startsWith("Low-pass 1 · cut-off: ") &&
                     entries(w.designer()).front().contains("must be > 0"),
                 qPrintable(entries(w.designer()).front()));
        verifyRawDrawn(w);
        verifyNotRunnable(w);
        QCOMPARE(w.designer()->problem(), entries(w.designer()).front());

        // Not a number.
        replace_text(cutoff, "fast");
        QTRY_VERIFY(!w.busy());
        QCOMPARE(entries(w.designer()), QStringList{"Low-pass 1 · cut-off: enter a number"});
        verifyRawDrawn(w);
        verifyNotRunnable(w);

        // Fixed: filtered again, runnable again, no bar.
        replace_text(cutoff, "120");
        QTRY_VERIFY(!w.busy());
        QTRY_VERIFY(!w.plots()->filteredGraph()->data()->isEmpty());
        QVERIFY(w.designer()->problemBar()->isHidden());
        QVERIFY(w.designer()->problem().isEmpty());
        QVERIFY(w.jobs()->runHereAction()->isEnabled());
        QVERIFY(!w.jobs()->runHereAction()->toolTip().contains("cut-off"));

        // Stage 2: 120 kHz is above Nyquist of the 200 kHz file (100 kHz).
        open(w, slow_);
        QTRY_VERIFY(w.designer()->problemBar()->isVisible());
        QVERIFY2(entries(w.designer()).front().startsWith("Low-pass 1 · cut-off: ") &&
                     entries(w.designer()).front().contains("Nyquist"),
                 qPrintable(entries(w.designer()).front()));
        verifyRawDrawn(w);
        verifyNotRunnable(w);
        QCOMPARE(w.shownPreview()->problems.size(), std::size_t{1});
        QCOMPARE(w.shownPreview()->sample_rate_hz, kLowRate); // the raw row is still drawn against time
        QVERIFY(w.plots()->timePlot()->xAxis->label().startsWith("Time"));
    }

    // No usable sample rate anywhere: the problem names the rate, and the data is drawn against sample
    // number and cycles per sample.
    void withoutARateThePlotsCountSamples() {
        auto row = std::make_shared<const std::vector<double>>(row0_);
        signal::LowPass low{1e5, 0.05};
        const auto shown = compute_preview({.row = row,
                                            .row_index = 0,
                                            .file_rate_hz = std::nullopt,
                                            .recipe = recipe::FilterRecipe{{}, {low}, {}}});
        QVERIFY(shown.has_value());
        QCOMPARE(shown->sample_rate_hz, 0.0);
        QCOMPARE(shown->problems.size(), std::size_t{1});
        QCOMPARE(*shown->problems.front().field, (Field{{}, "sample_rate_hz", {}}));
        QVERIFY(shown->filtered.empty() && shown->composite.empty());
        PlotPanel plots;
        plots.showPreview(*shown, QStringLiteral("row 0"));
        QCOMPARE(plots.timePlot()->xAxis->label(), QStringLiteral("Sample"));
        QCOMPARE(plots.spectrumPlot()->xAxis->label(), QStringLiteral("Frequency (cycles/sample)"));
        QCOMPARE(values_of(plots.rawGraph()), row0_);
        QCOMPARE(plots.rawGraph()->data()->at(kPoints - 1)->key, double{kPoints - 1});
        QCOMPARE(plots.spectrumGraph()->data()->constBegin()->key, -0.5);
    }

    void enteringAProblemGoesToItsField() {
        MainWindow w;
        open(w, fast_);
        FilterEditor* low = addFilter(w, 0);
        FilterEditor* notch = addFilter(w, 1);
        QTest::mouseClick(notch->findChild<QPushButton*>("add_band"), Qt::LeftButton);
        auto* band2 = notch->findChild<QLineEdit*>("widths_hz[1]");
        QVERIFY(band2);
        replace_text(band2, "-3");
        replace_text(low->findChild<QLineEdit*>("roll_off"), "x");
        QTRY_VERIFY(!w.busy());
        const QStringList listed = entries(w.designer());
        QCOMPARE(listed.size(), 2);
        QCOMPARE(listed[0], QStringLiteral("Low-pass 1 · roll-off: enter a number"));
        QVERIFY2(listed[1].startsWith("Notch 2 · band 2 width: "), qPrintable(listed[1]));
        auto* tabs = w.designer()->findChild<QTabWidget*>("filter_tabs");
        QCOMPARE(tabs->count(), 2);

        // A click on the notch's entry shows its tab and puts the cursor in band 2's width, selected.
        tabs->setCurrentIndex(0);
        QListWidget* bar = w.designer()->problemBar();
        QTest::mouseClick(bar->viewport(), Qt::LeftButton, {}, bar->visualItemRect(bar->item(1)).center());
        QCOMPARE(tabs->currentIndex(), 1);
        QTRY_COMPARE(QApplication::focusWidget(), band2);
        QCOMPARE(band2->selectedText(), QStringLiteral("-3"));

        // Enter on the low-pass's entry goes back to its roll-off.
        bar->setFocus();
        bar->setCurrentRow(0);
        QTest::keyClick(bar, Qt::Key_Return);
        QCOMPARE(tabs->currentIndex(), 0);
        auto* roll_off = low->findChild<QLineEdit*>("roll_off");
        QTRY_COMPARE(QApplication::focusWidget(), roll_off);
        QCOMPARE(roll_off->selectedText(), QStringLiteral("x"));
    }

    void useTheFilesRate() {
        MainWindow w;
        open(w, fast_);
        addFilter(w, 0);
        auto* rate = w.designer()->findChild<QLineEdit*>("sample_rate_hz");
        auto* unit = w.designer()->findChild<QComboBox*>("sample_rate_hz.unit");
        replace_text(rate, "200");
        unit->setCurrentText("kHz");
        QTRY_VERIFY(!w.busy());
        auto* use = w.designer()->findChild<QPushButton*>("use_file_rate");
        QTRY_VERIFY(use->isVisible());
        QCOMPARE(use->text(), QStringLiteral("Use the file's rate (1 MHz)"));
        QTRY_VERIFY(w.designer()->problem().startsWith("Sample rate: "));
        verifyRawDrawn(w);
        verifyNotRunnable(w);

        QTest::mouseClick(use, Qt::LeftButton);
        QTRY_VERIFY(!w.busy());
        QVERIFY(w.designer()->recipe().has_value());
        QVERIFY(!w.designer()->recipe()->sample_rate_hz.has_value());
        QTRY_VERIFY(w.designer()->problem().isEmpty());
        QVERIFY(!use->isVisible());
        QTRY_VERIFY(!w.plots()->filteredGraph()->data()->isEmpty());
        QVERIFY(w.jobs()->runHereAction()->isEnabled());
    }

    // A new filter on a 200 kHz file starts below its Nyquist (a fixed 100 kHz would start invalid).
    void newFiltersStartValidForTheFilesRate() {
        MainWindow w;
        open(w, slow_);
        for (int type = 0; type < 4; ++type)
            addFilter(w, type);
        QTRY_VERIFY(!w.busy());
        QVERIFY2(w.designer()->problem().isEmpty(), qPrintable(w.designer()->problem()));
        QCOMPARE(std::get<signal::LowPass>(w.designer()->recipe()->filters[0]).cutoff_hz, kLowRate / 10);
        QVERIFY(!w.plots()->filteredGraph()->data()->isEmpty());

        // "-0" is 0, as parse_recipe reads it: the same canonical form and hash as a recipe file's.
        replace_text(w.designer()->editors()[0]->findChild<QLineEdit*>("roll_off"), "-0");
        QTRY_VERIFY(!w.busy());
        const recipe::FilterRecipe typed = *w.designer()->recipe();
        QVERIFY(!std::signbit(std::get<signal::LowPass>(typed.filters[0]).roll_off));
        QCOMPARE(recipe::recipe_hash(typed),
                 recipe::recipe_hash(*recipe::parse_recipe(recipe::to_json(typed))));
    }

    void thresholdExplainsItself() {
        MainWindow w;
        auto* threshold = w.designer()->findChild<QLineEdit*>("noise_threshold");
        QVERIFY(threshold->toolTip().contains("√(2 ln(1/t))"));
        QVERIFY(threshold->toolTip().contains("higher value lowers the floor"));
        auto* help = w.designer()->findChild<QLabel*>("noise_threshold_help");
        QVERIFY(help);
        QVERIFY(help->text().contains("higher value lowers the floor and removes less"));
    }

    // 1024×700: three filters (one a two-band notch) fit the designer without horizontal scrolling, and
    // every dock keeps at least its minimum size.
    void threeFiltersFitASmallScreen() {
        MainWindow w;
        w.resize(1024, 700);
        open(w, fast_);
        action_named(w, "reset_layout")->trigger();
        addFilter(w, 0);
        FilterEditor* notch = addFilter(w, 1);
        QTest::mouseClick(notch->findChild<QPushButton*>("add_band"), Qt::LeftButton);
        addFilter(w, 2);
        QTRY_VERIFY(!w.busy());
        QVERIFY(w.width() <= 1024);
        auto* tabs = w.designer()->findChild<QTabWidget*>("filter_tabs");
        QCOMPARE(tabs->count(), 3);
        for (int t = 0; t < tabs->count(); ++t) {
            tabs->setCurrentIndex(t);
            auto* scroll = qobject_cast<QScrollArea*>(tabs->widget(t));
            QVERIFY(scroll);
            QTRY_VERIFY(scroll->isVisible());
            QVERIFY(scroll->horizontalScrollBar()->maximum() == 0 ||
                    !scroll->horizontalScrollBar()->isVisible());
            const int visible = scroll->viewport()->width();
            for (QWidget* input : scroll->widget()->findChildren<QWidget*>()) {
                if (!qobject_cast<QLineEdit*>(input) && !qobject_cast<QComboBox*>(input) &&
                    !qobject_cast<QSpinBox*>(input))
                    continue;
                const QRect r(input->mapTo(scroll->viewport(), QPoint(0, 0)), input->size());
                QVERIFY2(r.left() >= 0 && r.right() < visible,
                         qPrintable(QStringLiteral("%1 spans %2..%3 of %4")
                                        .arg(input->objectName())
                                        .arg(r.left())
                                        .arg(r.right())
                                        .arg(visible)));
            }
        }
        for (auto* dock : w.findChildren<QDockWidget*>()) {
            QVERIFY2(dock->isVisible(), qPrintable(dock->objectName()));
            const QSize min = dock->widget()->minimumSizeHint();
            QVERIFY2(dock->widget()->width() >= min.width() && dock->widget()->height() >= min.height() / 2,
                     qPrintable(QStringLiteral("%1 is %2×%3")
                                    .arg(dock->objectName())
                                    .arg(dock->widget()->width())
                                    .arg(dock->widget()->height())));
            QVERIFY2(dock->geometry().right() <= w.width() && dock->geometry().bottom() <= w.height(),
                     qPrintable(dock->objectName()));
        }
    }

    // From a large window down to 1024×700: the plots keep a usable width and no dock goes below its
    // minimum (Qt shrinks the centre first unless it has a floor).
    void shrinkingTheWindowStarvesNothing() {
        MainWindow w;
        w.resize(1360, 820);
        open(w, fast_);
        action_named(w, "reset_layout")->trigger();
        QTRY_VERIFY(w.plots()->width() > 500);
        w.resize(1024, 700);
        QTRY_COMPARE(w.width(), 1024);
        QTRY_VERIFY2(w.plots()->width() >= 340, qPrintable(QString::number(w.plots()->width())));
        for (auto* dock : w.findChildren<QDockWidget*>()) {
            const QSize min = dock->widget()->minimumSizeHint();
            QVERIFY2(
                dock->widget()->width() >= min.width(),
                qPrintable(
                    QStringLiteral("%1 is %2 wide").arg(dock->objectName()).arg(dock->widget()->width())));
        }
        QVERIFY(w.minimumSizeHint().width() <= 1024);
    }

    void resetLayoutRestoresEveryDock() {
        MainWindow w;
        w.resize(1024, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* designer = w.findChild<QDockWidget*>("designerDock");
        auto* tree = w.findChild<QDockWidget*>("treeDock");
        designer->setFloating(true);
        tree->hide();
        w.resizeDocks({w.findChild<QDockWidget*>("attributesDock")}, {40}, Qt::Horizontal);
        QAction* reset = action_named(w, "reset_layout");
        QVERIFY(reset);
        reset->trigger();
        QTRY_VERIFY(tree->isVisible());
        QVERIFY(!designer->isFloating());
        QCOMPARE(w.dockWidgetArea(designer), Qt::RightDockWidgetArea);
        QCOMPARE(w.dockWidgetArea(tree), Qt::LeftDockWidgetArea);
        QTRY_VERIFY(designer->width() >= 1024 / 4);
        QVERIFY(tree->width() >= 1024 / 5);
    }
};

SLUICE_GUI_TEST_MAIN(TestDesigner)
#include "test_designer.moc"
