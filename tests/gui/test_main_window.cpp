// The main window end to end on a synth file: select the Main dataset in the tree, design a low-pass
// with the editors, and check that what is plotted is exactly shared/signal's output; invalid values
// give inline messages and show the raw row; bad files give an error dialog.
#include "app/jobs_controller.hpp"
#include "app/main_window.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "jobs/job_store.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs_helpers.hpp"
#include "models/h5_tree_model.hpp"
#include "recipe/recipe.hpp"
#include "services/preview.hpp"
#include "signal/row_filter.hpp"
#include "widgets/compare_bar.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/filter_editor.hpp"
#include "widgets/jobs_view.hpp"
#include "widgets/pixel_chooser.hpp"
#include "widgets/plot_panel.hpp"
#include "widgets/submit_dialog.hpp"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>
#include <QTreeView>
#include <QtTest>
#include <fstream>
#include <qcustomplot.h>

using namespace sluice;
using namespace sluice::gui;

namespace {

constexpr int kRows = 6;
constexpr int kPoints = 1000;
constexpr double kRate = 1e6;

std::vector<double> values_of(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.push_back(it->value);
    return out;
}

// Expand the tree down to `path` the way a user does, then click it.
bool click_in_tree(MainWindow& w, const QString& path) {
    QTreeView* tree = w.treeView();
    auto* model = w.treeModel();
    QString prefix;
    for (const auto& part : path.split('/', Qt::SkipEmptyParts)) {
        prefix += '/' + part;
        if (!QTest::qWaitFor([&] { return model->indexForPath(prefix).isValid(); }, 10000)) return false;
        const QModelIndex index = model->indexForPath(prefix);
        tree->scrollTo(index);
        if (prefix != path) {
            tree->expand(index);
            continue;
        }
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(index).center());
    }
    return true;
}

void replace_text(QLineEdit* edit, const QString& text) {
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    test::TempDir dir_;
    std::filesystem::path synth_;
    std::vector<double> data_; ///< the whole Raw_Data, read before any window opens the file

    void openSynth(MainWindow& w) {
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.openFile(test::q(synth_));
        QTRY_VERIFY(!w.busy());
        QVERIFY(click_in_tree(w, test::kRawData));
        QTRY_COMPARE(w.currentDataset(), test::kRawData);
        QTRY_VERIFY(w.shownPreview() != nullptr);
        QTRY_VERIFY(!w.busy());
    }

    FilterEditor* addLowPassByKeyboard(MainWindow& w, const QString& cutoff_khz) {
        auto* type = w.designer()->findChild<QComboBox*>("filter_type");
        type->setFocus();
        QTest::keyClick(type, Qt::Key_Home); // the first type is the low-pass
        QTest::mouseClick(w.designer()->findChild<QPushButton*>("add_filter"), Qt::LeftButton);
        if (w.designer()->editors().size() != 1) return nullptr;
        FilterEditor* editor = w.designer()->editors().front();
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), cutoff_khz);
        return editor;
    }

private slots:
    void init() { QSettings().clear(); } // each test starts like a first run

    void initTestCase() {
        synth_ = dir_ / "synth.h5";
        const auto run = test::synth(synth_, kRows, kPoints, kRate);
        QVERIFY2(run.exit_code == 0, qPrintable(run.err));
        data_ = test::read_f64(synth_, test::kRawData.toStdString());
        QCOMPARE(data_.size(), std::size_t{kRows * kPoints});
    }

    void lowPassPreviewEqualsSharedSignal() {
        MainWindow w;
        openSynth(w);
        // Before any filter: the raw row and its spectrum, no filtered curve.
        QCOMPARE(values_of(w.plots()->rawGraph()),
                 std::vector<double>(data_.begin(), data_.begin() + kPoints));
        QVERIFY(w.plots()->filteredGraph()->data()->isEmpty());

        FilterEditor* editor = addLowPassByKeyboard(w, "150");
        QVERIFY(editor);
        QCOMPARE(editor->findChild<QComboBox*>("cutoff_hz.unit")->currentText(), QStringLiteral("kHz"));
        QTRY_VERIFY(!w.busy());
        QVERIFY(w.designer()->recipe().has_value());
        const recipe::FilterRecipe& recipe = *w.designer()->recipe();
        QCOMPARE(recipe.filters.size(), std::size_t{1});
        QCOMPARE(std::get<signal::LowPass>(recipe.filters[0]), (signal::LowPass{150e3, 0.05}));
        QTRY_VERIFY(!w.plots()->filteredGraph()->data()->isEmpty());

        // The same computation straight through shared/signal.
        const std::vector<double> row(data_.begin(), data_.begin() + kPoints);
        auto composite = recipe::validate_for_dataset(recipe, kPoints, kRate);
        QVERIFY(composite.has_value());
        auto filter = signal::RowFilter::create(kPoints, *composite, std::nullopt);
        QVERIFY(filter.has_value());
        std::vector<double> filtered(kPoints), spectrum(kPoints);
        filter->filter(row, filtered);
        filter->magnitude_spectrum(row, spectrum);
        QCOMPARE(values_of(w.plots()->filteredGraph()), filtered);
        QCOMPARE(values_of(w.plots()->rawGraph()), row);
        QCOMPARE(values_of(w.plots()->spectrumGraph()), spectrum);
        QCOMPARE(values_of(w.plots()->maskGraph()),
                 std::vector<double>(composite->begin(), composite->end()));
        QVERIFY(w.plots()->noiseFloorGraph()->data()->isEmpty());
        // Frequency axis from the sample rate, in kHz: -fs/2 .. fs/2 - fs/N.
        QCOMPARE(w.plots()->spectrumGraph()->data()->constBegin()->key, -500.0);
        QCOMPARE(w.plots()->spectrumPlot()->xAxis->label(), QStringLiteral("Frequency (kHz)"));
        QCOMPARE(w.plots()->timePlot()->xAxis->label(), QStringLiteral("Time (ms)"));

        // The same filter in MHz is the same recipe.
        auto* unit = editor->findChild<QComboBox*>("cutoff_hz.unit");
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), "0.15");
        unit->setFocus();
        QTest::keyClick(unit, Qt::Key_Down);
        QCOMPARE(unit->currentText(), QStringLiteral("MHz"));
        QTRY_VERIFY(!w.busy());
        QCOMPARE(std::get<signal::LowPass>(w.designer()->recipe()->filters[0]).cutoff_hz, 150e3);

        // Keyboard stepping to the next pixel previews that row with the same filter.
        QTest::keyClick(&w, Qt::Key_Right, Qt::AltModifier);
        QCOMPARE(w.pixelChooser()->row(), std::uint64_t{1});
        QTRY_VERIFY(!w.busy());
        QTRY_COMPARE(w.shownPreview()->row_index, std::uint64_t{1});
        const std::vector<double> row1(data_.begin() + kPoints, data_.begin() + 2 * kPoints);
        filter->filter(row1, filtered);
        QCOMPARE(values_of(w.plots()->filteredGraph()), filtered);
    }

    // Jobs → Submit to a Cluster… is offered once there is something to run; the dialog's plan goes to
    // the cluster service, whose Jobs dock shows the job and why it could not be submitted (nothing
    // listens on the profile's port).
    void clusterSubmitFromTheWindow() {
        jobs::ClusterProfile p;
        p.name = "nowhere";
        p.host = "127.0.0.1";
        p.port = 1;
        p.scratch_dir = "/scratch/x";
        QVERIFY(jobs::save_profiles(jobs::default_profiles_path().value(), {p}));
        MainWindow w;
        w.show();
        QAction* submit = w.jobs()->submitAction();
        QVERIFY(!submit->isEnabled());
        openSynth(w);
        QVERIFY(!submit->isEnabled()); // no filter yet
        QVERIFY(addLowPassByKeyboard(w, "150"));
        QTRY_VERIFY(submit->isEnabled());

        bool planned = false;
        QTimer::singleShot(0, [&] {
            auto* dialog = qobject_cast<SubmitDialog*>(QApplication::activeModalWidget());
            if (!dialog) return;
            QTRY_VERIFY_WITH_TIMEOUT(dialog->plan().has_value(), 20000);
            planned = dialog->scriptText().contains("#SBATCH --time=01:00:00");
            dialog->accept();
        });
        submit->trigger();
        QVERIFY(planned);
        auto* view = w.jobs()->view();
        QString id;
        QTRY_VERIFY_WITH_TIMEOUT(!(id = test::newest_job(view, "nowhere")).isEmpty(), 20000);
        QCOMPARE(test::job_cell(view, id, JobsModel::WhereColumn), QString("nowhere"));
        // The login failed: the job waits (draft) with the reason on its row, to be submitted when the
        // cluster answers.
        QTRY_VERIFY_WITH_TIMEOUT(test::job_cell(view, id, JobsModel::DetailsColumn).contains("127.0.0.1"),
                                 30000);
        QCOMPARE(test::job_state(view, id), QString("draft"));
    }

    // A cluster job's downloaded result is merged from the Jobs dock after a confirmation; the source
    // then holds the results group, and the job says so and cannot be merged twice.
    void mergeADownloadedClusterResult() {
        qputenv("SLUICE_ENGINE", QByteArray::fromStdString(test::engine_exe().string()));
        const auto src = dir_ / "cluster-source.h5", result = dir_ / "cluster-source-filtered-000.h5";
        QVERIFY(test::synth(src, 20, 512, 1e6, 4).exit_code == 0);
        test::write_text(dir_ / "merge-recipe.json", test::full_recipe(100000.0));
        const auto r = test::run_engine(test::filter_args(src, dir_ / "merge-recipe.json", result));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        jobs::JobRecord job;
        job.id = "merge-test";
        job.profile = "hpc";
        job.state = jobs::JobState::done;
        job.local_input = src.string();
        job.local_output = result.string();
        job.recipe_json = test::full_recipe(100000.0);
        job.message = "result in " + result.string();
        job.created = job.updated = jobs::WallClock::now();
        QVERIFY(jobs::JobStore::open(jobs::default_job_store_path().value())->insert(job));

        {
            MainWindow w;
            w.show();
            auto* view = w.jobs()->view();
            QTRY_VERIFY(view->model()->rowOf("merge-test") >= 0);
            view->selectJob("merge-test");
            auto* merge = view->findChild<QPushButton*>("job_merge");
            QVERIFY(merge && merge->isEnabled());
            QTest::mouseClick(merge, Qt::LeftButton);
            QMessageBox* box = nullptr;
            QTRY_VERIFY((box = w.findChild<QMessageBox*>("mergeConfirm")) != nullptr);
            QVERIFY(box->text().contains("cluster-source.h5"));
            QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(w.statusBar()->currentMessage().startsWith("Merged"), 30000);
            // Merged once: the row says where, and Merge is disabled with the reason.
            QTRY_VERIFY(test::job_cell(view, "merge-test", JobsModel::DetailsColumn)
                            .startsWith("Merged into cluster-source.h5"));
            view->selectJob("merge-test");
            QVERIFY(!merge->isEnabled());
            QVERIFY(merge->toolTip().contains("Already merged"));
        }
        // Read once the window is gone: HDF5 is not thread-safe, and its H5Service reads on its own thread.
        const std::string group = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
        QVERIFY(test::read_f32(src, group + "/Filtered_Data") ==
                test::read_f32(result, group + "/Filtered_Data"));
    }

    // Compare, then commit: Compare on a done job opens its source (the result never replaces it) and
    // plots the source's raw row against the Filtered_Data stored in the result, read from the file,
    // with the stored noise floor; Merge from the bar; Close returns to the designer's preview.
    void compareShowsTheStoredResultBesideTheSource() {
        qputenv("SLUICE_ENGINE", QByteArray::fromStdString(test::engine_exe().string()));
        const auto src = dir_ / "compare-source.h5", result = dir_ / "compare-source-filtered-000.h5";
        QVERIFY(test::synth(src, 20, 512, 1e6, 6).exit_code == 0);
        test::write_text(dir_ / "compare-recipe.json", test::full_recipe(100000.0));
        const auto r = test::run_engine(test::filter_args(src, dir_ / "compare-recipe.json", result));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        // Read before the window exists: HDF5 is not thread-safe, and the window's H5Service reads these
        // files on its own thread.
        const std::string group = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";
        const auto stored = test::read_f64(result, group + "/Filtered_Data");
        const auto raw = test::read_f64(src, test::kRawData.toStdString());
        const auto floors = test::read_f32(result, group + "/Noise_Floors");
        jobs::JobRecord job;
        job.id = "compare-test";
        job.profile = "local";
        job.state = jobs::JobState::done;
        job.local_input = src.string();
        job.dataset = test::kRawData.toStdString();
        job.local_output = result.string();
        job.recipe_json = test::full_recipe(100000.0);
        job.created = job.updated = jobs::WallClock::now();
        QVERIFY(jobs::JobStore::open(jobs::default_job_store_path().value())->insert(job));

        MainWindow w;
        openSynth(w); // another file is open
        auto* view = w.jobs()->view();
        QTRY_VERIFY(view->model()->rowOf("compare-test") >= 0);
        view->selectJob("compare-test");
        QTest::mouseClick(view->findChild<QPushButton*>("job_compare"), Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(
            w.comparison().has_value(),
            qPrintable(w.statusBar()->currentMessage() + " | " + w.currentFile() + " | " +
                       w.currentDataset() +
                       (w.findChild<QMessageBox*>("errorDialog")
                            ? " | " + w.findChild<QMessageBox*>("errorDialog")->informativeText()
                            : QString())),
            20000);
        QCOMPARE(QFileInfo(w.currentFile()), QFileInfo(test::q(src))); // the source is the open file
        for (std::uint64_t row : {0u, 3u}) {
            w.pixelChooser()->setRow(row);
            QTRY_VERIFY(values_of(w.plots()->filteredGraph()) ==
                        std::vector<double>(stored.begin() + row * 512, stored.begin() + (row + 1) * 512));
            QCOMPARE(values_of(w.plots()->rawGraph()),
                     std::vector<double>(raw.begin() + row * 512, raw.begin() + (row + 1) * 512));
            QCOMPARE(w.plots()->filteredGraph()->name(), QString("Filtered_Data (result file)"));
            QTRY_VERIFY(w.compareBar()->text().contains(QString::number(floors[row], 'g', 6)));
        }
        QVERIFY(w.compareBar()->text().contains("low-pass 100 kHz"));
        QVERIFY(!w.plots()->storedSpectrumGraph()->data()->isEmpty());
        QTest::mouseClick(w.compareBar()->findChild<QPushButton*>("compare_close"), Qt::LeftButton);
        QVERIFY(!w.comparison().has_value());
        QVERIFY(w.compareBar()->isHidden());
    }

    void openingAFilePreviewsItsFirstMainDataset() {
        MainWindow w;
        w.show();
        w.openFile(test::q(synth_));
        QTRY_COMPARE(w.currentDataset(), test::kRawData);
        QTRY_VERIFY(w.shownPreview() != nullptr);
        QCOMPARE(w.treeView()->currentIndex().data(H5TreeModel::PathRole).toString(), test::kRawData);
        QVERIFY2(w.statusBar()->currentMessage().contains(test::kRawData) ||
                     w.statusBar()->currentMessage().contains("pixels"),
                 qPrintable(w.statusBar()->currentMessage()));
        QTRY_VERIFY(!w.busy());
    }

    // An invalid value is named under its filter and the plots fall back to the raw row (never to the
    // last valid preview, which would show a filter the recipe no longer has); test_designer covers the
    // problem bar and the Run actions.
    void invalidValuesShowInlineMessagesAndTheRawRow() {
        MainWindow w;
        openSynth(w);
        FilterEditor* editor = addLowPassByKeyboard(w, "100");
        QVERIFY(editor);
        QTRY_VERIFY(!w.busy());
        QVERIFY(!w.plots()->filteredGraph()->data()->isEmpty());
        auto* message = editor->findChild<QLabel*>("message");
        const std::vector<double> row(data_.begin(), data_.begin() + kPoints);

        // Stage 1 (the recipe alone): a negative cut-off.
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), "-5");
        QTRY_VERIFY(message->isVisible()); // a new editor is shown on the next event loop turn
        QVERIFY2(message->text().contains("cutoff_hz") && message->text().contains("must be > 0"),
                 qPrintable(message->text()));
        QTRY_VERIFY(!w.busy());
        QVERIFY(w.plots()->filteredGraph()->data()->isEmpty());
        QCOMPARE(values_of(w.plots()->rawGraph()), row);

        // Not a number at all.
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), "fast");
        QVERIFY2(message->text().contains("enter a number"), qPrintable(message->text()));

        // Stage 2 (against the dataset): above Nyquist of a 1 MHz file.
        auto* unit = editor->findChild<QComboBox*>("cutoff_hz.unit");
        unit->setFocus();
        QTest::keyClick(unit, Qt::Key_Down);
        QCOMPARE(unit->currentText(), QStringLiteral("MHz"));
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), "0.7");
        QTRY_VERIFY(!w.busy());
        QTRY_VERIFY(message->isVisible());
        QVERIFY2(message->text().contains("Nyquist"), qPrintable(message->text()));
        QVERIFY(w.plots()->filteredGraph()->data()->isEmpty());
        QCOMPARE(values_of(w.plots()->rawGraph()), row);

        // Fixing it clears the message and filters again.
        replace_text(editor->findChild<QLineEdit*>("cutoff_hz"), "0.2");
        QTRY_VERIFY(!w.busy());
        QTRY_VERIFY(!w.plots()->filteredGraph()->data()->isEmpty());
        QVERIFY(!message->isVisible());
    }

    void lastRecipeAndRecentFilesAreRemembered() {
        {
            MainWindow w;
            openSynth(w);
            QVERIFY(addLowPassByKeyboard(w, "123"));
            QTRY_VERIFY(!w.busy());
            w.close();
        }
        MainWindow again;
        QCOMPARE(again.designer()->editors().size(), std::size_t{1});
        QVERIFY(again.designer()->recipe().has_value());
        QCOMPARE(std::get<signal::LowPass>(again.designer()->recipe()->filters[0]).cutoff_hz, 123e3);
        const QStringList recent = QSettings().value("recentFiles").toStringList();
        QCOMPARE(recent, QStringList{QFileInfo(test::q(synth_)).absoluteFilePath()});
    }

    void badFileShowsAnErrorDialog() {
        const auto bad = dir_ / "not-hdf5.h5";
        std::ofstream(bad) << "just some text, not HDF5\n";
        MainWindow w;
        w.show();
        w.openFile(test::q(bad));
        QTRY_VERIFY(w.findChild<QMessageBox*>("errorDialog") != nullptr);
        auto* box = w.findChild<QMessageBox*>("errorDialog");
        QVERIFY(box->text().contains("not-hdf5.h5"));
        QVERIFY2(!box->informativeText().isEmpty(), "the reason is shown");
        QCOMPARE(w.treeModel()->rowCount(), 0);
        box->accept();
        QTRY_VERIFY(w.findChild<QMessageBox*>("errorDialog") == nullptr);

        // A missing file says so as well, and the window still opens good files afterwards.
        w.openFile(test::q(dir_ / "missing.h5"));
        QTRY_VERIFY(w.findChild<QMessageBox*>("errorDialog") != nullptr);
        QVERIFY(w.findChild<QMessageBox*>("errorDialog")->text().contains("missing.h5"));
        w.findChild<QMessageBox*>("errorDialog")->accept();
        w.openFile(test::q(synth_));
        QTRY_VERIFY(!w.busy());
        QCOMPARE(w.treeModel()->rowCount(), 1);
    }

    void recipeSavesAndLoads() {
        MainWindow w;
        QVERIFY(w.loadRecipe(test::q(test::golden("p2048_lowpass_notch.recipe.json"))));
        QCOMPARE(w.designer()->editors().size(), std::size_t{2});
        const auto golden = recipe::load_recipe(test::golden("p2048_lowpass_notch.recipe.json"));
        QVERIFY(golden.has_value());
        QVERIFY(w.designer()->recipe().has_value());
        QCOMPARE(*w.designer()->recipe(), *golden);
        const auto saved = dir_ / "saved.json";
        QVERIFY(w.saveRecipe(test::q(saved)));
        const auto reloaded = recipe::load_recipe(saved);
        QVERIFY(reloaded.has_value());
        QCOMPARE(*reloaded, *golden);

        // A broken recipe file is refused with a dialog; the designer keeps what it had.
        test::write_text(dir_ / "broken.json", R"({"format":"sluice-recipe","version":1,"filters":[]})");
        QVERIFY(!w.loadRecipe(test::q(dir_ / "broken.json")));
        QVERIFY(w.findChild<QMessageBox*>("errorDialog") != nullptr);
        QCOMPARE(*w.designer()->recipe(), *golden);
    }
};

SLUICE_GUI_TEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
