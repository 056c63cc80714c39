// HDFView basics in the main window, driven through the real widgets found by object name: the tree's
// columns and context menu, the values window (exact values, bounded pages), "Use These Settings" on
// pycroscopy's results groups, and the position map beside the pixel chooser.
#include "app/main_window.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "models/h5_tree_model.hpp"
#include "recipe/recipe.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/position_map.hpp"
#include "widgets/values_window.hpp"

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTreeView>
#include <QtTest>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <qcustomplot.h>

using namespace sluice;
using namespace sluice::gui;

namespace {

const QString kChannel = QStringLiteral("/Measurement_000/Channel_000");
const QString kRaw = kChannel + QStringLiteral("/Raw_Data");
const QString kGroup = kRaw + QStringLiteral("-FFT_Filtering_000");
const char* const kSetups[] = {"p2048_lowpass_notch", "p2048_harmonic", "p1023_bandpass",
                               "p1023_threshold_only"};

QString q(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

QTreeView* tree_of(MainWindow& w) {
    return w.findChild<QTreeView*>(QStringLiteral("tree"));
}

H5TreeModel* model_of(MainWindow& w) {
    return qobject_cast<H5TreeModel*>(tree_of(w)->model());
}

QAction* action(MainWindow& w, const char* name) {
    return w.findChild<QAction*>(QString::fromLatin1(name));
}

// Open a file and wait until it has revealed its first Main dataset (so its group is listed).
bool open_and_settle(MainWindow& w, const std::filesystem::path& file) {
    w.openFile(q(file));
    return QTest::qWaitFor([&] { return !w.busy() && model_of(w)->indexForPath(kRaw).isValid(); }, 20000) &&
           QTest::qWaitFor([&] { return !w.busy(); }, 20000);
}

// Make `path` the tree's current node, as a click does.
bool select(MainWindow& w, const QString& path) {
    const QModelIndex index = model_of(w)->indexForPath(path);
    if (!index.isValid()) return false;
    tree_of(w)->scrollTo(index);
    QTest::mouseClick(tree_of(w)->viewport(), Qt::LeftButton, {}, tree_of(w)->visualRect(index).center());
    return tree_of(w)->currentIndex().data(H5TreeModel::PathRole).toString() == path;
}

recipe::FilterRecipe sorted(recipe::FilterRecipe r) {
    std::ranges::sort(r.filters, {}, [](const signal::FilterSpec& f) { return signal::filter_type_name(f); });
    return r;
}

} // namespace

class TestHdfView : public QObject {
    Q_OBJECT

    // Test-side reads happen here, before any window's H5Service runs: libhdf5 is used from one thread.
    std::vector<float> composite_;
    test::TempDir dir_;
    std::filesystem::path huge_;
    std::filesystem::path with_compound_;
    std::vector<double> p1023_raw_;
    std::vector<float> p1023_floors_;

private slots:
    void initTestCase() {
        composite_ = test::read_f32(test::golden("p2048_lowpass_notch.h5"),
                                    kGroup.toStdString() + "/Composite_Filter");
        p1023_raw_ = test::read_f64(test::golden("p1023-input.h5"), kRaw.toStdString());
        p1023_floors_ =
            test::read_f32(test::golden("p1023_bandpass.h5"), kGroup.toStdString() + "/Noise_Floors");
        with_compound_ = dir_ / "compound.h5";
        std::filesystem::copy_file(test::golden("p2048-input.h5"), with_compound_);
        std::filesystem::permissions(with_compound_, std::filesystem::perms::owner_write,
                                     std::filesystem::perm_options::add);
        test::add_compound_dataset(with_compound_, kChannel.toStdString() + "/Pairs");
        huge_ = dir_ / "huge.h5";
        test::write_declared_main(huge_, std::uint64_t{1} << 18, std::uint64_t{1} << 18);
    }

    void columnsResizeAndNamesFit() {
        MainWindow w;
        w.resize(1024, 700);
        w.show();
        QVERIFY(open_and_settle(w, test::golden("p2048_lowpass_notch.h5")));
        QTreeView* tree = tree_of(w);
        for (int c = 0; c < H5TreeModel::ColumnCount; ++c)
            QCOMPARE(tree->header()->sectionResizeMode(c), QHeaderView::Interactive);
        // The longest name on show fits its column.
        const QModelIndex group = model_of(w)->indexForPath(kGroup);
        QVERIFY(group.isValid());
        const int needed = tree->visualRect(group).left() - tree->header()->sectionViewportPosition(0) +
                           tree->fontMetrics().horizontalAdvance(group.data().toString());
        QVERIFY2(tree->columnWidth(H5TreeModel::NameColumn) >= needed,
                 qPrintable(
                     QStringLiteral("%1 < %2").arg(tree->columnWidth(H5TreeModel::NameColumn)).arg(needed)));
        tree->header()->resizeSection(H5TreeModel::KindColumn, 173);
        QCOMPARE(tree->header()->sectionSize(H5TreeModel::KindColumn), 173);
    }

    void copyPathFromTheContextMenu() {
        MainWindow w;
        w.show();
        QVERIFY(open_and_settle(w, test::golden("p2048_lowpass_notch.h5")));
        QTreeView* tree = tree_of(w);
        const QModelIndex index = model_of(w)->indexForPath(kGroup);
        emit tree->customContextMenuRequested(tree->visualRect(index).center());
        QMenu* menu = w.findChild<QMenu*>(QStringLiteral("treeMenu"));
        QVERIFY(menu);
        QVERIFY(menu->actions().contains(action(w, "copyPathAction")));
        QVERIFY(action(w, "useSettingsAction")->isEnabled()); // a results group
        QVERIFY(!action(w, "openValuesAction")->isEnabled()); // not a dataset
        QGuiApplication::clipboard()->clear();
        action(w, "copyPathAction")->trigger();
        menu->close();
        QCOMPARE(QGuiApplication::clipboard()->text(), kGroup);
    }

    // Double-click a dataset that is not Main: its values, exactly as stored (a low-pass roll-off's
    // float32 values need all their digits).
    void doubleClickShowsExactValues() {
        MainWindow w;
        w.show();
        QVERIFY(open_and_settle(w, test::golden("p2048_lowpass_notch.h5")));
        tree_of(w)->expand(model_of(w)->indexForPath(kGroup));
        const QString path = kGroup + QStringLiteral("/Composite_Filter");
        QTRY_VERIFY(model_of(w)->indexForPath(path).isValid());
        QVERIFY(select(w, path));
        QTreeView* tree = tree_of(w);
        const QPoint at = tree->visualRect(tree->currentIndex()).center();
        QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, at);
        QTRY_VERIFY(w.findChild<ValuesWindow*>() != nullptr);
        QTRY_VERIFY(!w.busy());
        QVERIFY(w.findChildren<QWidget*>(QStringLiteral("errorDialog")).isEmpty());
        auto* values = w.findChild<ValuesWindow*>();
        QVERIFY(values->isVisible());
        QVERIFY(values->width() >= 600 && values->height() >= 400);
        auto* table = values->findChild<QTableView*>(QStringLiteral("values_table"));
        QVERIFY(table);
        const auto* model = table->model();
        QCOMPARE(model->columnCount(), 1); // 1-D: one column
        QCOMPARE(static_cast<std::size_t>(model->rowCount()), composite_.size());
        for (int c = 0; c < model->rowCount(); ++c) {
            const QByteArray text = model->index(c, 0).data().toString().toLatin1();
            float back = 0;
            std::from_chars(text.constData(), text.constData() + text.size(), back);
            QVERIFY2(std::memcmp(&back, &composite_[static_cast<std::size_t>(c)], sizeof(float)) == 0,
                     text.constData());
        }
        auto* plot = values->findChild<QCustomPlot*>(QStringLiteral("values_plot"));
        QVERIFY(plot->isVisible());
        QCOMPARE(plot->graphCount(), 1);
        QCOMPARE(static_cast<std::size_t>(plot->graph(0)->dataCount()), composite_.size());
    }

    // What cannot be shown says why in the status bar: no dialog, no window.
    void unshowableDatasetSaysWhyInTheStatusBar() {
        MainWindow w;
        w.show();
        QVERIFY(open_and_settle(w, with_compound_));
        const QString path = kChannel + QStringLiteral("/Pairs");
        QVERIFY(select(w, path));
        QTRY_VERIFY(!w.busy());
        QTest::mouseDClick(tree_of(w)->viewport(), Qt::LeftButton, {},
                           tree_of(w)->visualRect(tree_of(w)->currentIndex()).center());
        QTRY_VERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("compound")));
        QVERIFY(w.findChild<ValuesWindow*>() == nullptr);
        QVERIFY(w.findChildren<QWidget*>(QStringLiteral("errorDialog")).isEmpty());
    }

    // A file declaring 2^36 values: one bounded page, and paging moves through it.
    void hugeDatasetShowsOneBoundedPage() {
        MainWindow w;
        w.show();
        QVERIFY(open_and_settle(w, huge_));
        QVERIFY(select(w, kRaw));
        QTRY_VERIFY(!w.busy());
        action(w, "openValuesAction")->trigger();
        QTRY_VERIFY(w.findChild<ValuesWindow*>() != nullptr);
        auto* values = w.findChild<ValuesWindow*>();
        const auto* model = values->findChild<QTableView*>(QStringLiteral("values_table"))->model();
        const auto shown =
            static_cast<std::uint64_t>(model->rowCount()) * static_cast<std::uint64_t>(model->columnCount());
        QVERIFY(shown > 0 && shown <= h5::max_page_values);
        QCOMPARE(values->page().total_rows, std::uint64_t{1} << 18);
        values->findChild<QPushButton*>(QStringLiteral("values_next"))->click();
        QTRY_COMPARE(values->page().first_row, static_cast<std::uint64_t>(model->rowCount()));
        QVERIFY(!w.busy());
    }

    // "Use These Settings" on pycroscopy's results: the recipe the golden file was made with.
    void useTheseSettingsGivesTheGoldenRecipes() {
        for (const char* setup : kSetups) {
            MainWindow w;
            w.show();
            QVERIFY(open_and_settle(w, test::golden(std::string(setup) + ".h5")));
            QVERIFY(select(w, kGroup));
            QVERIFY(action(w, "useSettingsAction")->isEnabled());
            QSignalSpy said(w.statusBar(), &QStatusBar::messageChanged);
            action(w, "useSettingsAction")->trigger();
            const auto expected =
                sorted(*recipe::load_recipe(test::golden(std::string(setup) + ".recipe.json")));
            auto* designer = w.findChild<FilterDesigner*>();
            QTRY_VERIFY2(designer->recipe() && sorted(*designer->recipe()) == expected, setup);
            QVERIFY(std::ranges::any_of(said, [](const QList<QVariant>& m) {
                return m.front().toString().contains(QStringLiteral("from pycroscopy's attributes"));
            }));
        }
    }

    // The map beside the pixel chooser: each pixel's RMS, read on opening for a small dataset; a click
    // selects the pixel; a result's stored noise floors; the Map switch hides it.
    void positionMapShowsRmsAndSelectsPixels() {
        MainWindow w;
        w.resize(1024, 700);
        w.show();
        QVERIFY(open_and_settle(w, test::golden("p1023_bandpass.h5")));
        auto* map = w.findChild<PositionMap*>(QStringLiteral("positionMap"));
        QVERIFY(map && map->isVisible());
        QTRY_VERIFY(!w.busy());
        QCOMPARE(map->values().size(), std::size_t{7});
        for (std::size_t r = 0; r < 7; ++r) {
            double sum = 0;
            for (std::size_t i = 0; i < 1023; ++i)
                sum += p1023_raw_[r * 1023 + i] * p1023_raw_[r * 1023 + i];
            QCOMPARE(map->values()[r], std::sqrt(sum / 1023));
        }
        QVERIFY(
            map->findChild<QLabel*>(QStringLiteral("map_range"))->text().startsWith(QStringLiteral("dark ")));

        auto* image = map->findChild<MapImage*>(QStringLiteral("map_image"));
        QTest::mouseClick(image, Qt::LeftButton, {}, image->cellRect(5).center().toPoint());
        QTRY_COMPARE(w.findChild<QSpinBox*>(QStringLiteral("pixel_row"))->value(), 5);
        QTRY_VERIFY(!w.busy());

        auto* quantity = map->findChild<QComboBox*>(QStringLiteral("map_quantity"));
        QTRY_COMPARE(quantity->count(), 2);
        quantity->setCurrentIndex(1);
        emit quantity->activated(1);
        QTRY_VERIFY(!w.busy());
        for (std::size_t r = 0; r < 7; ++r)
            QCOMPARE(map->values()[r], static_cast<double>(p1023_floors_[r]));

        map->findChild<QCheckBox*>(QStringLiteral("map_toggle"))->click();
        QVERIFY(!image->isVisible());
    }

    // 2^36 declared values: nothing is read until asked, and Cancel stops the reading.
    void hugeMapComputesOnlyOnRequestAndCancels() {
        MainWindow w;
        w.show();
        QVERIFY(open_and_settle(w, huge_));
        auto* map = w.findChild<PositionMap*>(QStringLiteral("positionMap"));
        QTRY_VERIFY(!w.busy());
        const auto known = [map] {
            return std::ranges::count_if(map->values(), [](double v) { return !std::isnan(v); });
        };
        QCOMPARE(known(), 0);
        auto* compute = map->findChild<QPushButton*>(QStringLiteral("map_compute"));
        QVERIFY(compute->isVisible());
        QVERIFY2(compute->text().contains(QStringLiteral("256 GiB")), qPrintable(compute->text()));
        compute->click();
        auto* progress = map->findChild<QProgressBar*>(QStringLiteral("map_progress"));
        QTRY_VERIFY(progress->value() > 0);
        map->findChild<QPushButton*>(QStringLiteral("map_cancel"))->click();
        QTRY_VERIFY(!w.busy());
        const auto stopped_at = known();
        QVERIFY(stopped_at > 0 && static_cast<std::size_t>(stopped_at) < map->values().size());
        QVERIFY(compute->isVisible());
        QVERIFY(!progress->isVisible());
        QVERIFY(map->findChild<QLabel*>(QStringLiteral("map_range"))
                    ->text()
                    .startsWith(QStringLiteral("Cancelled")));
        QCOMPARE(known(), stopped_at); // nothing more arrived once nothing was in flight
    }
};

SLUICE_GUI_TEST_MAIN(TestHdfView)
#include "test_hdf_view.moc"
