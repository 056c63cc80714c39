// Runs on this computer as jobs of the one job model, with the built engine (SLUICE_ENGINE) under mpirun:
// a run started from the window appears in the Jobs view, stays there when another file is opened, ends
// done with the engine's exact result beside the source, and merges once; cancel stops a run resumably
// and Resume completes it; a stopped job is removed with or without its files; closing the app never
// ends a run and the next start follows it to done; records of earlier versions are imported once.
#include "app/jobs_controller.hpp"
#include "app/main_window.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/local_profile.hpp"
#include "jobs_helpers.hpp"
#include "recipe/recipe.hpp"
#include "services/jobs_service.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/job_details.hpp"

#include <QAction>
#include <QDir>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTreeWidget>
#include <QtTest>
#include <fstream>
#include <signal.h>

using namespace sluice;
using namespace sluice::gui;
namespace fs = std::filesystem;

namespace {

constexpr int kRunMs = 240000;
const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

} // namespace

class TestLocalRuns : public QObject {
    Q_OBJECT
    test::TempDir dir_;

    fs::path synth(const std::string& name, int rows, int points) {
        const auto path = dir_ / name;
        if (!fs::exists(path)) {
            const auto run = test::synth(path, rows, points, 1e6);
            if (run.exit_code != 0) qWarning() << run.err;
        }
        return path;
    }

    fs::path reference(const fs::path& src) {
        const auto ref = fs::path(src.string() + ".reference.h5");
        if (!fs::exists(ref)) {
            test::write_text(dir_ / "recipe.json", test::full_recipe());
            const auto r = test::run_engine(test::filter_args(src, dir_ / "recipe.json", ref));
            if (r.exit_code != 0) qWarning() << r.err;
        }
        return ref;
    }

    // A job of this computer planned with one-row blocks, so that it lasts long enough to be stopped.
    jobs::JobRecord planned(const fs::path& src) {
        jobs::NewJob job;
        job.profile = "local";
        job.input = src;
        job.dataset = test::kRawData.toStdString();
        job.recipe_json = test::full_recipe();
        job.block_rows = 1;
        auto p = jobs::plan_job(jobs::local_profile().value(), job);
        if (!p) qFatal("plan_job: %s", p.error().message.c_str());
        return p->record;
    }

    static QString id_of(const jobs::JobRecord& j) { return QString::fromStdString(j.id); }

private slots:
    void runFromTheWindowIsAJobAndMergesOnce() {
        const auto src = synth("window.h5", 64, 1000);
        const auto other = synth("other.h5", 8, 256);
        MainWindow w;
        w.show();
        w.openFile(test::q(src));
        QTRY_COMPARE(w.currentDataset(), test::kRawData); // the first Main dataset opens by itself
        auto recipe = recipe::parse_recipe(test::full_recipe());
        QVERIFY(recipe.has_value());
        w.designer()->setRecipe(*recipe);
        QTRY_VERIFY(!w.busy());
        QAction* run = w.jobs()->runHereAction();
        QTRY_VERIFY(run->isEnabled());
        run->trigger();
        auto* view = w.jobs()->view();
        QString id;
        QTRY_VERIFY_WITH_TIMEOUT(!(id = test::newest_job(view, "local")).isEmpty(), 30000);
        QCOMPARE(test::job_cell(view, id, JobsModel::WhereColumn), QString("This computer"));
        QCOMPARE(test::job_cell(view, id, JobsModel::SourceColumn), QString("window.h5"));
        QVERIFY(test::job_cell(view, id, JobsModel::RecipeColumn).startsWith("low-pass 300 kHz"));

        // Another file: the job is still listed, and the window shows the new file only.
        w.openFile(test::q(other));
        QTRY_COMPARE(QFileInfo(w.currentFile()), QFileInfo(test::q(other)));
        QVERIFY(view->model()->rowOf(id) >= 0);

        QTRY_COMPARE_WITH_TIMEOUT(test::job_state(view, id), QString("done"), kRunMs);
        const auto job = w.jobs()->service().job(id);
        QVERIFY(job.has_value());
        QCOMPARE(fs::path(job->local_output), dir_ / "window-filtered-000.h5");
        QVERIFY(test::read_f32(job->local_output, kGroup + "/Filtered_Data") ==
                test::read_f32(reference(src), kGroup + "/Filtered_Data"));

        // Its details: where and how it ran, its history, the exact script and the recipe in words, its log.
        view->selectJob(id);
        JobDetails* details = view->details();
        QCOMPARE(details->jobId(), id);
        QCOMPARE(details->field("where"), QString("This computer"));
        QCOMPARE(details->field("scheduler_id"), "process " + QString::fromStdString(job->scheduler_id));
        QVERIFY(!details->field("started").isEmpty() && !details->field("ended").isEmpty());
        QVERIFY2(details->field("node") == QSysInfo::machineHostName(), qPrintable(details->field("node")));
        auto* history = details->findChild<QTreeWidget*>("job_history");
        const auto last_state = [history] {
            const int n = history->topLevelItemCount();
            return n ? history->topLevelItem(n - 1)->text(1) : QString();
        };
        QTRY_COMPARE(last_state(), QString("Done")); // the history is read on its own: wait for it
        QVERIFY(history->topLevelItemCount() >= 3);  // started, running, ..., done
        QCOMPARE(details->findChild<QPlainTextEdit*>("job_script")->toPlainText(),
                 QString::fromStdString(job->job_script));
        QVERIFY(
            details->findChild<QPlainTextEdit*>("job_recipe")->toPlainText().startsWith("low-pass 300 kHz"));
        QTest::mouseClick(view->findChild<QPushButton*>("job_log"), Qt::LeftButton);
        auto* log = details->findChild<QPlainTextEdit*>("job_log_text");
        QTRY_VERIFY_WITH_TIMEOUT(log->toPlainText().contains("==> job.log <=="), 30000);

        auto* merge = view->findChild<QPushButton*>("job_merge");
        QVERIFY(merge->isEnabled());
        QTest::mouseClick(merge, Qt::LeftButton);
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = w.findChild<QMessageBox*>("mergeConfirm")) != nullptr);
        QVERIFY2(box->text().contains("window.h5"), qPrintable(box->text()));
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            test::job_cell(view, id, JobsModel::DetailsColumn).startsWith("Merged into window.h5"), kRunMs);
        QVERIFY(test::describe_members(src, "/Measurement_000/Channel_000")
                    .contains("Raw_Data-FFT_Filtering_000"));
        view->selectJob(id);
        QVERIFY(!merge->isEnabled());
    }

    // Cancel here is a clean stop; Resume continues from the checkpoint to the same result.
    void cancelStopsResumablyAndResumeCompletes() {
        for (int rows = 4000; rows <= 64000; rows *= 2) {
            const auto src = synth("stop-" + std::to_string(rows) + ".h5", rows, 1024);
            JobsService service;
            JobsView view(service);
            view.show();
            const auto job = planned(src);
            service.submit(jobs::local_profile().value(), job);
            const auto id = id_of(job);
            QTRY_VERIFY_WITH_TIMEOUT((service.live(id) && service.live(id)->rows_done > 0) ||
                                         test::job_state(&view, id) == "done",
                                     kRunMs);
            if (test::job_state(&view, id) == "done") continue; // too fast to stop: a longer run
            view.selectJob(id);
            auto* cancel = view.findChild<QPushButton*>("job_cancel");
            QVERIFY(cancel->isEnabled());
            test::answer_next_box(QMessageBox::Yes);
            QTest::mouseClick(cancel, Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(
                test::job_state(&view, id) == "stopped" || test::job_state(&view, id) == "done", kRunMs);
            if (test::job_state(&view, id) == "done") continue; // the stop came after the last block
            QVERIFY(test::job_cell(&view, id, JobsModel::StateColumn).contains("resumable"));
            view.selectJob(id);
            auto* resume = view.findChild<QPushButton*>("job_resume");
            QVERIFY(resume->isEnabled());
            QTest::mouseClick(resume, Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(test::job_state(&view, id), QString("done"), kRunMs);
            QVERIFY(test::read_f32(job.local_output, kGroup + "/Filtered_Data") ==
                    test::read_f32(reference(src), kGroup + "/Filtered_Data"));
            return;
        }
        QFAIL("every run finished before it could be stopped");
    }

    // A stopped job leaves the list with its files kept, or with them deleted, as the user answers.
    void removeAStoppedJobWithOrWithoutItsFiles() {
        const auto src = synth("remove.h5", 16, 256);
        JobsService service;
        JobsView view(service);
        view.show();
        for (const char* answer : {"remove_keep", "remove_delete"}) {
            auto job = planned(src);
            job.state = jobs::JobState::stopped;
            job.submissions = 1;
            job.scheduler_id = "1.1";
            test::write_text(job.local_output, "a partial result");
            QVERIFY(jobs::JobStore::open(service.files().store.toStdString())->insert(job));
            service.checkNow();
            QTRY_VERIFY(view.model()->rowOf(id_of(job)) >= 0);
            view.selectJob(id_of(job));
            auto* remove = view.findChild<QPushButton*>("job_remove");
            QVERIFY(remove->isEnabled());
            test::answer_next_box(QMessageBox::NoButton, answer);
            QTest::mouseClick(remove, Qt::LeftButton);
            QTRY_VERIFY(view.model()->rowOf(id_of(job)) < 0);
            QCOMPARE(fs::exists(job.local_output), std::string(answer) == "remove_keep");
            fs::remove(job.local_output);
        }
    }

    // Closing the app leaves a run going; the next start follows it to done.
    void closingTheAppNeverEndsARun() {
        const auto src = synth("detached.h5", 8000, 1024);
        const auto job = planned(src);
        {
            JobsService service;
            service.submit(jobs::local_profile().value(), job);
            QTRY_VERIFY_WITH_TIMEOUT(
                service.job(id_of(job)) && !service.job(id_of(job))->scheduler_id.empty(), kRunMs);
        } // the app closes
        JobsService again;
        JobsView view(again);
        QTRY_COMPARE_WITH_TIMEOUT(test::job_state(&view, id_of(job)), QString("done"), kRunMs);
        QVERIFY(test::read_f32(job.local_output, kGroup + "/Filtered_Data") ==
                test::read_f32(reference(src), kGroup + "/Filtered_Data"));
    }

    // Runs recorded by earlier versions (local-runs/*.json) become jobs, once.
    void earlierRunRecordsAreImportedOnce() {
        const auto src = synth("old.h5", 16, 256);
        const auto records = dir_ / "old-records";
        fs::create_directories(records);
        test::write_text(records / "20261101-120000-123.json",
                         R"({"id": "20261101-120000-123", "source": ")" + src.string() +
                             R"(", "dataset": "/Measurement_000/Channel_000/Raw_Data", "output": ")" +
                             (dir_ / "old-filtered-000.h5").string() + R"(", "recipe": "", "progress": "",
                             "pid": 0, "state": "done", "message": ""})");
        JobsService::Files files;
        files.local_runs = test::q(records);
        JobsService service(files);
        JobsView view(service);
        QTRY_COMPARE(test::job_state(&view, "20261101-120000-123"), QString("done"));
        QCOMPARE(test::job_cell(&view, "20261101-120000-123", JobsModel::WhereColumn),
                 QString("This computer"));
        QVERIFY(!fs::exists(records));
        QVERIFY(fs::exists(records.string() + ".imported"));
    }
};

SLUICE_GUI_TEST_MAIN(TestLocalRuns)
#include "test_local_runs.moc"
