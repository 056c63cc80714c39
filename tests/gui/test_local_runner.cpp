// Runs on this computer, end to end with the built engine (SLUICE_ENGINE) under mpirun: a run from the
// window completes, opens its result and merges into the source after the confirmation; a cancelled run
// stops resumably with a partial checkpoint and resumes to completion; a new runner picks up the newest
// recorded run, and a dead run whose progress still says running is reported as stopped unexpectedly.
#include "app/main_window.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "recipe/recipe.hpp"
#include "services/local_runner.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/run_panel.hpp"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QtTest>
#include <algorithm>
#include <unistd.h>

using namespace sluice;
using namespace sluice::gui;
using State = LocalRun::State;

namespace {

constexpr int kRunMs = 180000;
const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

std::vector<std::uint8_t> completed(const QString& output) {
    return test::read_u8(output.toStdString(), kGroup + "/completed_positions");
}

bool all_ones(const std::vector<std::uint8_t>& v) {
    return !v.empty() && std::ranges::all_of(v, [](auto x) { return x == 1; });
}

} // namespace

class TestLocalRunner : public QObject {
    Q_OBJECT
    test::TempDir dir_;

    std::filesystem::path synth(const std::string& name, int rows, int points) {
        const auto path = dir_ / name;
        const auto run = test::synth(path, rows, points, 1e6);
        if (run.exit_code != 0) qWarning() << run.err;
        return path;
    }

private slots:
    void init() { QDir(LocalRunner::defaultRecordsDir()).removeRecursively(); }

    void findsTheEngine() {
        QCOMPARE(QFileInfo(LocalRunner::findEngine()), QFileInfo(qEnvironmentVariable("SLUICE_ENGINE")));
        QVERIFY(LocalRunner::physicalCores() >= 1);
    }

    void runFromTheWindowCompletesOpensAndMerges() {
        const auto src = synth("window.h5", 64, 1000);
        MainWindow w;
        w.show();
        w.openFile(test::q(src));
        QTRY_COMPARE(w.currentDataset(), test::kRawData); // the first Main dataset opens by itself
        auto recipe = parse_recipe(test::full_recipe());
        QVERIFY(recipe.has_value());
        w.designer()->setRecipe(*recipe);
        QTRY_VERIFY(!w.busy());
        auto* run = w.runPanel()->findChild<QPushButton*>("run_local");
        QTRY_VERIFY(run->isEnabled());
        QTest::mouseClick(run, Qt::LeftButton);
        QVERIFY(w.runner()->run().has_value());
        const QString output = w.runner()->run()->output;
        QCOMPARE(QFileInfo(output).fileName(), QStringLiteral("window-filtered-000.h5"));

        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->run()->state == State::done, kRunMs);
        QVERIFY2(w.runPanel()->statusText().startsWith("Done"), qPrintable(w.runPanel()->statusText()));
        QVERIFY(QFileInfo::exists(QFileInfo(output).path() + "/window-filtered-000.recipe.json"));
        // The result opens in the window with its Filtered_Data previewed.
        QTRY_COMPARE(QFileInfo(w.currentFile()), QFileInfo(output));
        QTRY_VERIFY(w.currentDataset().endsWith("/Filtered_Data"));
        QTRY_VERIFY(!w.busy());
        QVERIFY(all_ones(completed(output)));
        QCOMPARE(completed(output).size(), std::size_t{64});

        auto* merge = w.runPanel()->findChild<QPushButton*>("run_merge");
        QVERIFY(merge->isEnabled());
        QTest::mouseClick(merge, Qt::LeftButton);
        QTRY_VERIFY(w.findChild<QMessageBox*>("mergeConfirm") != nullptr);
        auto* box = w.findChild<QMessageBox*>("mergeConfirm");
        QVERIFY2(box->text().contains(QString::fromStdString(kGroup)) && box->text().contains("window.h5"),
                 qPrintable(box->text()));
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        auto* note = w.runPanel()->findChild<QLabel*>("run_note");
        QTRY_VERIFY_WITH_TIMEOUT(!note->text().isEmpty(), kRunMs);
        QVERIFY2(note->text().startsWith("Merged"), qPrintable(note->text()));
        QTRY_VERIFY(!w.busy());
        const auto members = test::describe_members(src, "/Measurement_000/Channel_000");
        QVERIFY(members.contains("Raw_Data-FFT_Filtering_000"));
    }

    void cancelStopsResumablyAndResumeCompletes() {
        // Big enough to take seconds with the default blocks, so that the stop lands mid-run.
        const auto src = synth("big.h5", 40000, 4096); // ~650 MB: the engine does ~15k rows/s here
        LocalRunner runner;
        RunPanel panel(runner); // what the Run dock shows, driven through its buttons
        auto* cancel = panel.findChild<QPushButton*>("run_cancel");
        auto* resume = panel.findChild<QPushButton*>("run_resume");
        QSignalSpy finished(&runner, &LocalRunner::finished);
        QVERIFY(runner.start(test::q(src), test::kRawData, QString::fromStdString(test::full_recipe())));
        QVERIFY(cancel->isEnabled() && !resume->isEnabled());
        // Watch the progress file more closely than the runner's poll does: cancel after the first blocks.
        const auto mid_run = [&] {
            QFile f(runner.run()->progress);
            if (!f.open(QIODevice::ReadOnly)) return false;
            const auto p = QJsonDocument::fromJson(f.readAll()).object();
            return p.value("state").toString() == "running" && p.value("rows_done").toInteger() > 0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(mid_run() || runner.run()->state == State::done, kRunMs);
        QVERIFY2(runner.run()->state != State::done, "the run finished before it could be cancelled");
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(runner.run()->state == State::stopped, kRunMs);
        QVERIFY(runner.run()->resumable());
        QVERIFY2(panel.statusText().startsWith("Stopped — resumable"), qPrintable(panel.statusText()));
        QVERIFY(resume->isEnabled() && !cancel->isEnabled());
        const auto partial = completed(runner.run()->output);
        QVERIFY(std::ranges::count(partial, 1) > 0);
        QVERIFY(std::ranges::count(partial, 0) > 0);

        QTest::mouseClick(resume, Qt::LeftButton);
        QVERIFY(runner.run()->active());
        QTRY_VERIFY_WITH_TIMEOUT(runner.run()->state == State::done, kRunMs);
        QVERIFY2(panel.statusText().startsWith("Done"), qPrintable(panel.statusText()));
        QCOMPARE(finished.count(), 1);
        QVERIFY(all_ones(completed(runner.run()->output)));
    }

    // As root without OpenMPI's two opt-in variables mpirun would refuse, so the engine runs alone.
    void asRootWithoutOpenMpiConsentTheEngineRunsAlone() {
        if (::geteuid() != 0) QSKIP("only meaningful as root");
        const auto src = synth("alone.h5", 16, 1000);
        const QByteArray allow = qgetenv("OMPI_ALLOW_RUN_AS_ROOT");
        qunsetenv("OMPI_ALLOW_RUN_AS_ROOT");
        LocalRunner runner;
        const auto started =
            runner.start(test::q(src), test::kRawData, QString::fromStdString(test::full_recipe()));
        qputenv("OMPI_ALLOW_RUN_AS_ROOT", allow);
        QVERIFY(started);
        QCOMPARE(QFileInfo(runner.run()->program), QFileInfo(LocalRunner::findEngine()));
        QTRY_VERIFY_WITH_TIMEOUT(runner.run()->state == State::done, kRunMs);
        QVERIFY(all_ones(completed(runner.run()->output)));
    }

    void aRefusedRunFailsWithTheEnginesReason() {
        const auto src = synth("refused.h5", 4, 256);
        LocalRunner runner;
        QVERIFY(runner.start(test::q(src), "/no/such/dataset", QString::fromStdString(test::full_recipe())));
        QTRY_VERIFY_WITH_TIMEOUT(runner.run()->state == State::failed, kRunMs);
        const QString text = LocalRunner::describe(*runner.run());
        QVERIFY2(text.startsWith("Failed: ") && text.contains("/no/such/dataset"), qPrintable(text));
        QVERIFY(!runner.run()->resumable());
    }

    void aNewRunnerPicksUpTheNewestRun() {
        const auto src = synth("pickup.h5", 500, 2048);
        QString id;
        {
            LocalRunner first;
            QVERIFY(first.start(test::q(src), test::kRawData, QString::fromStdString(test::full_recipe())));
            id = first.run()->id;
        } // the app closes; the run goes on
        LocalRunner again;
        QVERIFY(again.run().has_value());
        QCOMPARE(again.run()->id, id);
        QTRY_VERIFY_WITH_TIMEOUT(again.run()->state == State::done, kRunMs);
        QVERIFY(all_ones(completed(again.run()->output)));
    }

    void aDeadRunThatSaysRunningStoppedUnexpectedly() {
        const QString records = LocalRunner::defaultRecordsDir();
        QVERIFY(QDir().mkpath(records));
        const QString progress = records + "/20200101-000000-000.progress.json";
        test::write_text(progress.toStdString(),
                         R"({"state":"running","rows_done":10,"rows_total":40,"rows_per_s":5,"eta_s":6})");
        const QJsonObject record{{"id", "20200101-000000-000"}, {"progress", progress},
                                 {"pid", 0x3fffffff},           {"state", "running"},
                                 {"output", "/nowhere/x.h5"},   {"source", "/nowhere/x-src.h5"}};
        test::write_text((records + "/20200101-000000-000.json").toStdString(),
                         QJsonDocument(record).toJson().toStdString());
        LocalRunner runner;
        QVERIFY(runner.run().has_value());
        QCOMPARE(runner.run()->state, State::stopped_unexpectedly);
        QCOMPARE(runner.run()->rows_done, qint64{10});
        QVERIFY(LocalRunner::describe(*runner.run()).startsWith("Stopped unexpectedly — resumable"));
    }
};

SLUICE_GUI_TEST_MAIN(TestLocalRunner)
#include "test_local_runner.moc"
