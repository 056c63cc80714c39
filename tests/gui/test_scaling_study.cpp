// Scaling studies in the app (docs/CLUSTER.md, "Scaling studies"), against a real JobStore file holding a
// study: the submit dialog offers the newest study of the chosen profile for rows of this length on one
// line, Use fills in its resources, and the line follows the profile; the Jobs view shows a finished
// study's table, the one `sluice-cli status ID` prints.
#include "common/engine_cases.hpp"
#include "common/scaling_study.hpp"
#include "gui_test_main.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/scaling.hpp"
#include "jobs_helpers.hpp"
#include "services/h5_service.hpp"
#include "services/jobs_service.hpp"
#include "util/sha256.hpp"
#include "widgets/job_details.hpp"
#include "widgets/submit_dialog.hpp"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::H5Service;
using sluice::gui::JobsService;
using sluice::gui::JobsView;
using sluice::gui::SubmitDialog;

namespace {

constexpr int kRows = 40, kPoints = 1024;
const std::string kStudy = "20261203-101500-5c0a1e";

jobs::ClusterProfile cluster(const std::string& name) {
    jobs::ClusterProfile p;
    p.name = name;
    p.host = name + ".example.org";
    p.scratch_dir = "/scratch/someone";
    p.resources.walltime = "01:00:00";
    p.resources.tasks_per_node = 2;
    p.engine = {jobs::EngineCommand::Kind::module, "sluice/1.0"};
    return p;
}

// 3 Dec 2026, 12:00 UTC.
jobs::WallClock::time_point december_3() {
    return jobs::WallClock::time_point(std::chrono::seconds(1796299200));
}

jobs::JobRecord job_record(const std::string& id, jobs::JobKind kind, jobs::JobState state) {
    jobs::JobRecord j;
    j.id = id;
    j.kind = kind;
    j.profile = "hpc";
    j.state = state;
    j.local_input = "/data/scan.h5";
    j.dataset = kRawData.toStdString();
    j.local_output = "/data/" + id + ".json";
    j.created = j.updated = jobs::WallClock::now();
    return j;
}

} // namespace

class TestScalingStudy : public QObject {
    Q_OBJECT
    TempDir dir_;
    jobs::NewJob job_;
    JobsService::Files files_;
    std::string recipe_sha_;

    // The widget of `T` named `name`, failing the test when there is none.
    template <class T>
    static T* child(QObject& parent, const char* name) {
        auto* w = parent.findChild<T*>(QLatin1String(name));
        if (!w) qWarning("no %s", name);
        return w;
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c()); // "3 Dec" whatever the machine's language
        const auto r = synth(dir_ / "scan.h5", kRows, kPoints, 4e6, 3);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        job_.input = dir_ / "scan.h5";
        job_.dataset = kRawData.toStdString();
        job_.recipe_json = full_recipe();
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString((dir_ / "no-site.json").string()));
        QVERIFY(jobs::save_profiles(dir_ / "profiles.json", {cluster("hpc"), cluster("other")}));
        files_.store = q(dir_ / "jobs.sqlite");
        files_.profiles = q(dir_ / "profiles.json");
        // The recipe as a plan records it, as the study job recorded it.
        auto plan = jobs::plan_job(cluster("hpc"), job_);
        QVERIFY2(plan, plan ? "" : plan.error().message.c_str());
        QCOMPARE(plan->record.rows_total, std::int64_t(kRows));
        recipe_sha_ = sha256_hex(plan->record.recipe_json);

        // A finished study of "hpc" on rows of this length, sampled on one row: for 40 rows 1, 2, 4 and 8
        // ranks take 80.5, 40.6, 24.8 and 17.1 s, 4 ranks are the most that stay 70 % efficient.
        auto store = jobs::JobStore::open(dir_ / "jobs.sqlite");
        QVERIFY(store);
        QVERIFY(store->insert(job_record(kStudy, jobs::JobKind::scaling, jobs::JobState::done)));
        QVERIFY(store->add_study(
            {kStudy, "hpc", kRows, kPoints, recipe_sha_, december_3(), study_text(1, kRows, kPoints)}));
        // A study that did not finish, and a filter job.
        QVERIFY(store->insert(
            job_record("20261204-090000-0d0d0d", jobs::JobKind::scaling, jobs::JobState::cancelled)));
        // A filter job that ran between two polls: no poll saw its elapsed time, status.json its start and
        // end.
        auto filter = job_record("20261205-090000-f1f1f1", jobs::JobKind::filter, jobs::JobState::done);
        filter.resources_json = R"({"nodes": 1, "tasks_per_node": 2, "walltime": "01:00:00"})";
        filter.started = "2026-12-05T09:00:10Z";
        filter.ended = "2026-12-05T09:01:40Z";
        QVERIFY(store->insert(filter));
    }

    void submitDialogOffersTheStudyOfTheChosenProfile() {
        H5Service h5;
        JobsService service(files_);
        SubmitDialog d(h5, files_.profiles, job_);
        d.setJobsService(&service);
        d.show();
        auto* combo = child<QComboBox>(d, "submit_profile");
        auto* line = child<QWidget>(d, "submit_suggestion");
        auto* text = child<QLabel>(d, "submit_suggestion_text");
        auto* use = child<QPushButton>(d, "submit_use_suggestion");
        auto* nodes = child<QSpinBox>(d, "submit_nodes");
        auto* tasks = child<QSpinBox>(d, "submit_tasks");
        auto* walltime = child<QLineEdit>(d, "submit_walltime");
        QVERIFY(combo && line && text && use && nodes && tasks && walltime);
        QCOMPARE(combo->currentText(), QString("hpc"));
        QTRY_VERIFY_WITH_TIMEOUT(line->isVisible(), 20000);
        // 4 ranks on 2 per node; 1.5 × 24.8 s is less than the engine's minimum of 60 s, which the stop
        // margins of a 00:03:00 Slurm job leave (docs/CLUSTER.md, "Walltime").
        QCOMPARE(text->text(), QString("Scaling study of 3 Dec: 4 ranks (2 nodes × 2), walltime 00:03:00"));
        QVERIFY2(text->toolTip().contains(QString::fromStdString(kStudy)), qPrintable(text->toolTip()));
        // The profile's resources until Use.
        QCOMPARE(nodes->value(), 1);
        QCOMPARE(walltime->text(), QString("01:00:00"));
        QTRY_VERIFY_WITH_TIMEOUT(d.plan().has_value(), 20000);
        QTest::mouseClick(use, Qt::LeftButton);
        QCOMPARE(nodes->value(), 2);
        QCOMPARE(tasks->value(), 2);
        QCOMPARE(walltime->text(), QString("00:03:00"));
        // Filled in as if typed: the script is planned again with them.
        QTRY_VERIFY_WITH_TIMEOUT(d.plan() && d.scriptText().contains("#SBATCH --time=00:03:00"), 20000);
        for (const auto* directive : {"#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=2\n"})
            QVERIFY2(d.scriptText().contains(directive), qPrintable(d.scriptText()));

        // Another profile has no study: nothing is offered; back on "hpc" the line returns.
        combo->setCurrentText("other");
        QVERIFY(!line->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!d.suggestionPending(), 20000);
        QVERIFY(!line->isVisible());
        QVERIFY(!d.suggestion());
        QCOMPARE(nodes->value(), 1); // the profile's again
        combo->setCurrentText("hpc");
        QTRY_VERIFY_WITH_TIMEOUT(line->isVisible(), 20000);
        QCOMPARE(d.suggestion()->study_job, kStudy);
    }

    // A study measured on rows of another length suggests nothing for this dataset.
    void otherRowLengthsSuggestNothing() {
        auto job = job_;
        job.input = dir_ / "long-rows.h5";
        const auto r = synth(job.input, kRows, 2 * kPoints, 4e6, 3);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        H5Service h5;
        JobsService service(files_);
        SubmitDialog d(h5, files_.profiles, job);
        d.setJobsService(&service);
        d.show();
        QTRY_VERIFY_WITH_TIMEOUT(d.plan().has_value(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!d.suggestionPending(), 20000);
        QVERIFY(!child<QWidget>(d, "submit_suggestion")->isVisible());
    }

    void jobsViewShowsAFinishedStudysTable() {
        JobsService service(files_);
        JobsView view(service);
        view.resize(1400, 600);
        view.show();
        const auto study = QString::fromStdString(kStudy);
        QTRY_VERIFY(view.model()->rowOf(study) >= 0);
        auto* show = child<QPushButton>(view, "job_show_table");
        auto* tabs = child<QTabWidget>(view, "job_details_tabs");
        auto* table = child<QPlainTextEdit>(view, "job_study_table");
        QVERIFY(show && tabs && table);

        // A filter job has no table; a study that did not finish has none yet.
        view.selectJob("20261205-090000-f1f1f1");
        QVERIFY(show->isHidden());
        QCOMPARE(view.details()->field("elapsed"), QString("1:30 of 01:00:00 walltime"));
        QVERIFY(!tabs->isTabVisible(tabs->indexOf(table)));
        view.selectJob("20261204-090000-0d0d0d");
        QVERIFY(!show->isHidden());
        QVERIFY(!show->isEnabled());
        QVERIFY(table->toPlainText().contains("when the study is done"));

        view.selectJob(study);
        QVERIFY(show->isEnabled());
        QTest::mouseClick(show, Qt::LeftButton);
        QCOMPARE(tabs->currentWidget(), table);
        // What `sluice-cli status ID` prints: the shared table of the kept study, for the dataset studied.
        const auto expected = jobs::scaling_table_text(
            jobs::scaling_table(jobs::parse_scaling_json(study_text(1, kRows, kPoints)).value(), kRows));
        QTRY_COMPARE(table->toPlainText(), QString::fromStdString(expected));
        for (const auto* part : {"core-hours", "Projected for 40 rows", "Recommended: 4 ranks"})
            QVERIFY2(table->toPlainText().contains(part), qPrintable(table->toPlainText()));
        QVERIFY(table->toPlainText().contains(QRegularExpression("\n +4 .*<- recommended\n")));

        // A double-click on the study's row opens its table too.
        tabs->setCurrentIndex(0);
        auto* jobs_table = child<QTableView>(view, "jobs_table");
        QVERIFY(jobs_table);
        QModelIndex row;
        for (int r = 0; r < jobs_table->model()->rowCount(); ++r)
            if (const auto i = jobs_table->model()->index(r, 0); i.data(gui::JobsModel::IdRole) == study)
                row = i;
        QVERIFY(row.isValid());
        const auto at = jobs_table->visualRect(row.siblingAtColumn(gui::JobsModel::SourceColumn)).center();
        // A press and release first: Qt Test's double-click alone does not reach an item view's press.
        QTest::mouseClick(jobs_table->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(jobs_table->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(tabs->currentWidget(), table);
    }
};

SLUICE_GUI_TEST_MAIN(TestScalingStudy)
#include "test_scaling_study.moc"
